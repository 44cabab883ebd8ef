using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zones.Activities;
using Zones.Errors;
using Zones.Geofencing;
using Zones.Observability;
using Zones.Realtime;

namespace Zones.Users;

/// <summary>One user: their zones (loaded from the zone store on activation, written through on change)
/// and their presence (Orleans grain storage). Pings are evaluated in memory; only transitions touch the
/// database: activities are group-committed first, then presence is saved, then events are pushed.</summary>
public sealed partial class UserGrain(
    [PersistentState("presence", StorageNames.Presence)] IPersistentState<UserPresence> presence,
    IZoneStore zoneStore,
    IActivityWriter activityWriter,
    IZoneEventPublisher publisher,
    IOptions<GeofencingOptions> options,
    TimeProvider clock,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IRemindable
{
    const string DwellReminder = "dwell";

    readonly GeofenceEngine _engine = new(options.Value);
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
        var zones = await zoneStore.LoadLiveZonesAsync(UserId, cancellationToken);
        _engine.Load(zones);
        // A zone deleted while this grain was not active may still be in presence: forget it silently.
        foreach (var zoneId in presence.State.Zones.Keys.Where(id => !_engine.TryGetZone(id, out _)).ToList())
        {
            presence.State.Zones.Remove(zoneId);
        }

        LogActivated(UserId, zones.Count);
        if (_engine.NextDwellDueAt(presence.State) is not null)
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
                await presence.WriteStateAsync(cancellationToken);
            }
            catch (Exception ex)
            {
                LogPresenceSaveFailed(ex, UserId);
            }
        }
    }

    public async Task<LocationReport> ReportLocations(LocationBatch batch)
    {
        if (_presenceAhead)
        {
            // Normally unreachable (the activation stops taking calls once it deactivates), but a call that
            // reaches it anyway must not build on state that was never made durable.
            throw new ZonesException(ErrorCodes.Unavailable, "The user's state is being reloaded; retry.");
        }

        var evaluation = _engine.Evaluate(UserId, presence.State, batch.Pings);
        _highWaterMarkDirty |= evaluation.Accepted > 0;
        ZonesMetrics.PingsEvaluated.Add(evaluation.Accepted);
        ZonesMetrics.PingsIgnored.Add(evaluation.Ignored);
        if (evaluation.Transitions.Count > 0)
        {
            await CommitTransitions(evaluation.Transitions, batch.DeviceId);
        }

        await ScheduleDwell();
        var events = new ZoneEvent[evaluation.Transitions.Count];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = evaluation.Transitions[i].Event;
        }

        return new LocationReport(evaluation.Accepted, evaluation.Ignored, events);
    }

    public async Task<Zone> CreateZone(ZoneDefinition definition)
    {
        GeofenceEngine.Validate(definition);
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
        var wasTracked = presence.State.Zones.ContainsKey(zoneId);
        _engine.Remove(zoneId, presence.State);
        if (wasTracked)
        {
            await SavePresence();
        }

        LogZoneDeleted(zoneId, UserId);
        await ScheduleDwell();
        return true;
    }

    public Task<PresenceSnapshot> GetPresence()
    {
        var inside = presence.State.Zones.Where(z => z.Value.Inside).Select(z => z.Key).OrderBy(id => id).ToList();
        return Task.FromResult(new PresenceSnapshot(inside, presence.State.HighWaterMark ?? 0));
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
            await activityWriter.WriteAsync(records);
            ZonesMetrics.ActivityCommitSeconds.Record(clock.GetElapsedTime(started).TotalSeconds);
            await SavePresence();
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

        await Publish(transitions);
    }

    async Task SavePresence()
    {
        await presence.WriteStateAsync();
        _highWaterMarkDirty = false;
    }

    async Task Publish(IReadOnlyList<Transition> transitions)
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

        try
        {
            await publisher.PublishAsync(UserId, pushed);
        }
        catch (Exception ex)
        {
            // Live delivery is best effort; the activity log is the truth and clients catch up from it.
            ZonesMetrics.PublishFailures.Add(1);
            LogPublishFailed(ex, UserId, pushed.Count);
        }
    }

    async Task FireDueDwells()
    {
        var due = _engine.CollectDueDwells(UserId, presence.State, clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (due.Count > 0)
        {
            await CommitTransitions(due, deviceId: null);
        }

        // Re-arm even if nothing changed (a timer can fire before a dwell is due by the device's clock):
        // without a timer, ScheduleDwell sets a new one.
        _dwellTimer?.Dispose();
        _dwellTimer = null;
        await ScheduleDwell();
    }

    /// <summary>A timer fires a pending dwell on time while the grain is active; a reminder wakes the grain
    /// for it if the grain was deactivated meanwhile (reminders are durable, timers are not).</summary>
    async Task ScheduleDwell()
    {
        var dueAt = _engine.NextDwellDueAt(presence.State);
        if (dueAt == _dwellScheduledFor && (dueAt is null ? !_dwellReminderRegistered : _dwellTimer is not null))
        {
            return; // the common case: nothing about pending dwells changed with this batch
        }

        _dwellTimer?.Dispose();
        _dwellTimer = null;
        _dwellScheduledFor = dueAt;
        try
        {
            if (dueAt is null)
            {
                if (_dwellReminderRegistered && await this.GetReminder(DwellReminder) is { } reminder)
                {
                    await this.UnregisterReminder(reminder);
                }

                _dwellReminderRegistered = false;
                return;
            }

            var delay = TimeSpan.FromMilliseconds(Math.Max(0, dueAt.Value - clock.GetUtcNow().ToUnixTimeMilliseconds()));
            _dwellTimer = this.RegisterGrainTimer(FireDueDwells, delay, Timeout.InfiniteTimeSpan);
            if (!_dwellReminderRegistered)
            {
                await this.RegisterOrUpdateReminder(DwellReminder, delay + TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
                _dwellReminderRegistered = true;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {ZoneId} deleted for {UserId}")]
    partial void LogZoneDeleted(Guid zoneId, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} {ActivityType} zone {ZoneId} (activity {ActivityId}, at {Timestamp})")]
    partial void LogTransition(Guid userId, Guid zoneId, string activityType, Guid activityId, long timestamp);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not push {EventCount} events to user {UserId}")]
    partial void LogPublishFailed(Exception exception, Guid userId, int eventCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not set or clear the dwell reminder of user {UserId}")]
    partial void LogDwellReminderFailed(Exception exception, Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not save presence of user {UserId} on deactivation")]
    partial void LogPresenceSaveFailed(Exception exception, Guid userId);
}

/// <summary>Names of the Orleans storage providers the grains use.</summary>
public static class StorageNames
{
    public const string Presence = "presence";
}
