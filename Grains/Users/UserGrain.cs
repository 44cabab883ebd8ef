using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zones.Activities;
using Zones.Errors;
using Zones.Geofencing;
using Zones.Observability;
using Zones.Realtime;

namespace Zones.Users;

/// <summary>One user: their zones (loaded from the zone store on activation, written through on change)
/// and their presence. Pings are evaluated in memory; only transitions touch the database: the activities and
/// the presence they lead to are group-committed together in one transaction, then the events are pushed
/// without waiting for the push.</summary>
public sealed partial class UserGrain(
    IPresenceStore presenceStore,
    IZoneStore zoneStore,
    IActivityWriter activityWriter,
    IActivityReader activityReader,
    IZoneEventPublisher publisher,
    IOptions<GeofencingOptions> options,
    IOptions<UserLimits> limits,
    TimeProvider clock,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IRemindable
{
    const string DwellReminder = "dwell";

    readonly GeofenceEngine _engine = new(options.Value);
    UserPresence _presence = new();
    IGrainTimer? _dwellTimer;
    bool _dwellReminderRegistered;
    bool _highWaterMarkDirty;
    long? _dwellScheduledFor;

    // Set when a commit failed after the engine had moved presence in memory: that state is ahead of what
    // is durable and must never be saved (the activation is on its way out and reloads from storage).
    bool _presenceAhead;

    Guid UserId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var loadingZones = zoneStore.LoadLiveZonesAsync(UserId, cancellationToken);
        var loadingPresence = presenceStore.LoadAsync(UserId, cancellationToken);
        var zones = await loadingZones;
        _presence = await loadingPresence ?? new UserPresence();
        _engine.Load(zones);
        // A zone deleted while this grain was not active may still be in presence: forget it silently.
        _engine.ForgetUnloadedZones(_presence);
        LogActivated(UserId, zones.Count);
        if (_engine.NextDwellDueAt(_presence) is not null)
        {
            // Only users waiting for a dwell pay for this read; a stale reminder of anyone else removes
            // itself when it fires (ReceiveReminder).
            _dwellReminderRegistered = await this.GetReminder(DwellReminder) is not null;
            await ScheduleDwell();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The high-water mark may lag on disk without harm (replays reproduce the same ids), but saving it
        // here keeps a resent batch after a quiet period counted as ignored.
        if (_highWaterMarkDirty && !_presenceAhead)
        {
            try
            {
                await SavePresence(cancellationToken);
            }
            catch (Exception ex)
            {
                LogPresenceSaveFailed(ex, UserId);
            }
        }
    }

    /// <remarks>The token is deliberately not observed: see <see cref="IUserGrain.ReportLocations"/>.</remarks>
    public async Task<LocationReport> ReportLocations(LocationBatch batch, CancellationToken cancellationToken = default)
    {
        if (_presenceAhead)
        {
            // Normally unreachable (the activation stops taking calls once it deactivates), but a call that
            // reaches it anyway must not build on state that was never made durable.
            throw new ZonesException(ErrorCodes.Unavailable, "The user's state is being reloaded; retry.");
        }

        // A resend's already evaluated pings are answered with the events they stored. Read before this attempt
        // evaluates or commits anything, so a failed read fails a call that changed nothing and its retry is clean.
        var max = limits.Value.MaxEventsPerAnswer;
        var recorded = batch.Resent && ResentBatch.IgnoredSpan(batch.Pings, _presence.HighWaterMark) is { } span
            ? await activityReader.ReadRecordedAsync(UserId, batch.DeviceId, span.From, span.To, max)
            : null;
        if (recorded is { Events.Count: > 0 })
        {
            // The attempt that stored them may have died with its silo between the commit and the push: push them
            // again (a client that got them already drops the ids it has), before this attempt's own, in order.
            PublishRecorded(recorded.Events);
        }

        var evaluation = _engine.Evaluate(UserId, _presence, batch.Pings);
        _highWaterMarkDirty |= evaluation.Accepted > 0;
        ZonesMetrics.PingsEvaluated.Add(evaluation.Accepted);
        ZonesMetrics.PingsIgnored.Add(evaluation.Ignored);
        if (evaluation.Transitions.Count > 0)
        {
            await CommitTransitions(evaluation.Transitions, batch.DeviceId);
        }

        await ScheduleDwell();
        if (recorded is not null)
        {
            ZonesMetrics.ResentEventsAnswered.Add(recorded.Total);
            return ResentBatch.Answer(evaluation, recorded, max);
        }

        // The earliest transitions, in evaluation order, up to the bound; all of them are stored already.
        var events = new ZoneEvent[Math.Min(evaluation.Transitions.Count, max)];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = evaluation.Transitions[i].Event;
        }

        return new LocationReport(evaluation.Accepted, evaluation.Ignored, events, evaluation.Transitions.Count - events.Length);
    }

    public async Task<Zone> CreateZone(ZoneDefinition definition)
    {
        GeofenceEngine.Validate(definition);
        var maxZones = limits.Value.MaxZonesPerUser;
        if (_engine.ZoneCount >= maxZones)
        {
            // The grain is not reentrant, so the count cannot change between this check and the insert.
            throw new ConflictException(
                string.Create(CultureInfo.InvariantCulture, $"A user may have at most {maxZones} zones; delete one first"),
                [new ErrorDetail("zones", string.Create(CultureInfo.InvariantCulture, $"at most {maxZones} per user"))]);
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var zone = new Zone(Guid.CreateVersion7(), UserId, definition, ImageUrl: null, CreatedAt: now, UpdatedAt: now);
        await zoneStore.InsertAsync(zone);
        _engine.Upsert(zone);
        LogZoneCreated(zone.Id, UserId);
        return zone;
    }

    public Task<Zone?> GetZone(Guid zoneId) => Task.FromResult(_engine.TryGetZone(zoneId, out var zone) ? zone : null);

    public Task<ZonePage> ListZones(int page, int limit)
    {
        if (page < 1 || limit < 1)
        {
            throw new DomainValidationException("page and limit must be positive",
                [new ErrorDetail(page < 1 ? "page" : "limit", "must be at least 1")]);
        }

        var items = _engine.Zones
            .OrderByDescending(z => z.CreatedAt).ThenByDescending(z => z.Id)
            .Skip((int)Math.Min((long)(page - 1) * limit, int.MaxValue)).Take(limit)
            .ToList();
        return Task.FromResult(new ZonePage(items, _engine.ZoneCount));
    }

    public async Task<Zone?> UpdateZone(Guid zoneId, ZoneDefinition definition)
    {
        if (!_engine.TryGetZone(zoneId, out var current))
        {
            return null;
        }

        GeofenceEngine.Validate(definition);
        var zone = current with { Definition = definition, UpdatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds() };
        await zoneStore.UpdateAsync(zone);
        _engine.Upsert(zone);
        LogZoneUpdated(zoneId, UserId);
        await ScheduleDwell();
        return zone;
    }

    public async Task<bool> DeleteZone(Guid zoneId)
    {
        if (!_engine.TryGetZone(zoneId, out _))
        {
            return false;
        }

        await zoneStore.SoftDeleteAsync(UserId, zoneId, clock.GetUtcNow().ToUnixTimeMilliseconds());
        var wasTracked = _presence.Zones.ContainsKey(zoneId);
        _engine.Remove(zoneId, _presence);
        if (wasTracked)
        {
            await SavePresence();
        }

        LogZoneDeleted(zoneId, UserId);
        await ScheduleDwell();
        return true;
    }

    public async Task<ZoneImageChange?> SetZoneImage(Guid zoneId, string? imageUrl)
    {
        if (!_engine.TryGetZone(zoneId, out var current))
        {
            return null;
        }

        var zone = current with { ImageUrl = imageUrl, UpdatedAt = clock.GetUtcNow().ToUnixTimeMilliseconds() };
        await zoneStore.UpdateAsync(zone);
        _engine.Upsert(zone);
        LogZoneImageSet(zoneId, UserId);
        return new ZoneImageChange(zone, current.ImageUrl);
    }

    public Task<PresenceSnapshot> GetPresence()
    {
        var inside = _presence.Zones.Where(z => z.Value.Inside).Select(z => z.Key).OrderBy(id => id).ToList();
        return Task.FromResult(new PresenceSnapshot(inside, _presence.HighWaterMark ?? 0));
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DwellReminder)
        {
            return Task.CompletedTask;
        }

        _dwellReminderRegistered = true;
        return FireDueDwells();
    }

    async Task CommitTransitions(IReadOnlyList<Transition> transitions, string? deviceId)
    {
        try
        {
            var records = new ActivityRecord[transitions.Count];
            for (var i = 0; i < records.Length; i++)
            {
                records[i] = new ActivityRecord(UserId, transitions[i].Event, deviceId);
            }

            var started = clock.GetTimestamp();
            await activityWriter.WriteAsync(records, PresenceToSave());
            ZonesMetrics.ActivityCommitSeconds.Record(clock.GetElapsedTime(started).TotalSeconds);
            _highWaterMarkDirty = false;
        }
        catch
        {
            // Presence in memory already moved past what is durable: drop it, and reload it from storage on
            // the next call, so a retry reproduces the same transitions (and the same activity ids).
            _presenceAhead = true;
            DeactivateOnIdle();
            throw;
        }

        foreach (var transition in transitions)
        {
            ZonesMetrics.Activities.Add(1, new KeyValuePair<string, object?>("type", transition.Event.Type));
            LogTransition(UserId, transition.Event.ZoneId, transition.Event.Type, transition.Event.Id, transition.Event.Timestamp);
        }

        Publish(transitions);
    }

    /// <summary>Presence alone (no transition): a deleted zone dropped, or the high-water mark on deactivation.</summary>
    async Task SavePresence(CancellationToken cancellationToken = default)
    {
        await activityWriter.WriteAsync([], PresenceToSave(), cancellationToken);
        _highWaterMarkDirty = false;
    }

    PresenceWrite PresenceToSave() => new(UserId, PresenceJson.Serialize(_presence));

    /// <summary>Pushes the selected events. The answer does not wait for Redis: the events are durable already
    /// and live delivery is best effort; the pushes of one grain are issued in order on one connection, so
    /// they arrive in order.</summary>
    void Publish(IReadOnlyList<Transition> transitions)
    {
        List<ZoneEvent>? pushed = null;
        foreach (var transition in transitions)
        {
            if (transition.Push)
            {
                (pushed ??= []).Add(transition.Event);
            }
        }

        if (pushed is null)
        {
            return;
        }

        Task publishing;
        try
        {
            publishing = publisher.PublishAsync(UserId, pushed);
        }
        catch (Exception ex)
        {
            publishing = Task.FromException(ex);
        }

        if (!publishing.IsCompletedSuccessfully)
        {
            _ = ObservePublish(publishing, UserId, pushed.Count, logger);
        }
    }

    /// <summary>Pushes stored events a resent batch answers, as their zones' <c>notificationOption</c> selects them now;
    /// an event of a zone deleted since is not pushed.</summary>
    void PublishRecorded(IReadOnlyList<ZoneEvent> recorded)
    {
        var transitions = new List<Transition>(recorded.Count);
        foreach (var stored in ResentBatch.InEngineOrder(recorded))
        {
            var push = _engine.TryGetZone(stored.ZoneId, out var zone)
                && NotificationOptions.Pushes(zone.Definition.NotificationOption, stored.Type);
            transitions.Add(new Transition(stored, push));
        }

        Publish(transitions);
    }

    static async Task ObservePublish(Task publishing, Guid userId, int count, ILogger logger)
    {
        try
        {
            await publishing;
        }
        catch (Exception ex)
        {
            // Live delivery is best effort; the activity log is the truth and clients catch up from it. During a
            // Redis outage every push fails: the metric counts each, the log says so every few seconds.
            ZonesMetrics.PublishFailures.Add(1);
            if (PublishFailureLog.TryEnter(out var suppressed))
            {
                LogPublishFailed(logger, ex, userId, count, suppressed);
            }
        }
    }

    async Task FireDueDwells()
    {
        var due = _engine.CollectDueDwells(UserId, _presence, clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (due.Count > 0)
        {
            await CommitTransitions(due, deviceId: null);
        }

        // The timer (if this was it) is spent: ScheduleDwell re-arms it for what is still pending, also when it
        // fired before the dwell was due by the device's clock, or was capped.
        _dwellTimer?.Dispose();
        _dwellTimer = null;
        await ScheduleDwell();
    }

    /// <summary>Carries out <see cref="DwellSchedule.Decide"/>: a timer for a pending dwell, and a reminder that
    /// wakes the grain for it if the grain is deactivated meanwhile.</summary>
    async Task ScheduleDwell()
    {
        var dueAt = _engine.NextDwellDueAt(_presence);
        var plan = DwellSchedule.Decide(dueAt, _dwellScheduledFor, _dwellTimer is not null, _dwellReminderRegistered,
            clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (!plan.Reschedule)
        {
            return;
        }

        _dwellTimer?.Dispose();
        _dwellTimer = null;
        _dwellScheduledFor = dueAt;
        try
        {
            if (plan.Timer is { } delay)
            {
                _dwellTimer = this.RegisterGrainTimer(FireDueDwells, delay, Timeout.InfiniteTimeSpan);
            }

            switch (plan.Reminder)
            {
                case ReminderChange.Register:
                    await this.RegisterOrUpdateReminder(DwellReminder, plan.ReminderDue, DwellSchedule.ReminderPeriod);
                    _dwellReminderRegistered = true;
                    break;
                case ReminderChange.Unregister:
                    if (await this.GetReminder(DwellReminder) is { } reminder)
                    {
                        await this.UnregisterReminder(reminder);
                    }

                    _dwellReminderRegistered = false;
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The reminder is the safety net for a deactivated grain; failing to set it must not fail the pings
            // (their activities are committed). The timer still fires while the grain is active.
            LogDwellReminderFailed(ex, UserId);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "User {UserId} activated with {ZoneCount} zones")]
    partial void LogActivated(Guid userId, int zoneCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {ZoneId} created for {UserId}")]
    partial void LogZoneCreated(Guid zoneId, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {ZoneId} updated for {UserId}")]
    partial void LogZoneUpdated(Guid zoneId, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {ZoneId} image set for {UserId}")]
    partial void LogZoneImageSet(Guid zoneId, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {ZoneId} deleted for {UserId}")]
    partial void LogZoneDeleted(Guid zoneId, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} {ActivityType} zone {ZoneId} (activity {ActivityId}, at {Timestamp})")]
    partial void LogTransition(Guid userId, Guid zoneId, string activityType, Guid activityId, long timestamp);

    static readonly LogThrottle PublishFailureLog = new(TimeSpan.FromSeconds(10));

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not push {EventCount} events to user {UserId} ({Suppressed} more failed pushes since the last such line)")]
    static partial void LogPublishFailed(ILogger logger, Exception exception, Guid userId, int eventCount, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not set or clear the dwell reminder of user {UserId}")]
    partial void LogDwellReminderFailed(Exception exception, Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not save presence of user {UserId} on deactivation")]
    partial void LogPresenceSaveFailed(Exception exception, Guid userId);
}
