using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zones.Activities;

namespace Zones.Silo.Postgres;

/// <summary>Tuning of the <see cref="ActivityWriter"/>.</summary>
public sealed class ActivityWriterOptions
{
    /// <summary>The most rows one round trip carries. A single call larger than this still goes in
    /// one batch of its own (a call is never split, so it commits all or nothing).</summary>
    public int MaxBatchRows { get; set; } = 1_000;

    /// <summary>How many times a failed batch is tried before its callers see the error. Retrying is
    /// safe: the insert ignores rows that already exist.</summary>
    public int MaxAttempts { get; set; } = 2;

    /// <summary>After a batch failed because the database is unreachable, how long every further batch fails at
    /// once instead of trying (and waiting for a connect timeout) again. After it, one batch tries.</summary>
    public TimeSpan FailFastPeriod { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>A snapshot of the writer's counters.</summary>
/// <param name="Calls">WriteAsync calls accepted.</param>
/// <param name="Batches">Round trips that committed.</param>
/// <param name="Rows">Rows sent in committed batches.</param>
/// <param name="RowsInserted">Rows that were new (the rest were replays).</param>
/// <param name="FailedBatches">Batches whose callers got an exception.</param>
/// <param name="LastBatchRows">Rows in the latest committed batch.</param>
/// <param name="LargestBatchRows">Rows in the largest committed batch so far.</param>
/// <param name="LastCommit">How long the latest committed round trip took.</param>
public sealed record ActivityWriterStats(
    long Calls, long Batches, long Rows, long RowsInserted, long FailedBatches,
    int LastBatchRows, int LargestBatchRows, TimeSpan LastCommit);

/// <summary>The silo-wide group-commit writer for activities. Grains enqueue their rows and await;
/// one loop takes everything that is waiting and writes it in a single
/// <c>INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING</c>, then completes every caller of
/// that batch (or fails them all, so each retries). While one round trip is in flight the next
/// batch accumulates, so the batch size grows with load and the commit rate stays one at a time.
/// </summary>
public sealed partial class ActivityWriter : IActivityWriter, IHostedService, IAsyncDisposable
{
    /// <summary>The DI key of the writer's own <see cref="NpgsqlDataSource"/> (generic plans; see
    /// <c>AddZonesPostgres</c>).</summary>
    public const string DataSourceKey = "zones-activity-writer";

    private const string InsertSql = """
        INSERT INTO activities (id, user_id, zone_id, zone_name, type, "timestamp", location, latitude, longitude,
                                icon, notification_text, device_id)
        SELECT r.id, r.user_id, r.zone_id, r.zone_name, r.type, r.ts,
               ST_SetSRID(ST_MakePoint(r.longitude, r.latitude), 4326)::geography, r.latitude, r.longitude,
               r.icon, r.notification_text, r.device_id
        FROM unnest(@ids, @users, @zones, @names, @types, @timestamps, @latitudes, @longitudes, @icons, @texts, @devices)
             AS r(id, user_id, zone_id, zone_name, type, ts, latitude, longitude, icon, notification_text, device_id)
        -- An id is one transition: a later report of it (other ping, same visit) is not a new activity. Such a
        -- report comes from the same stretch of pings (two activations of one grain for a moment), so the check
        -- looks a day either side in the user's own history: the user/time index answers it from a few leaf
        -- pages in the one or two monthly partitions that can hold the row (migration 0007).
        WHERE NOT EXISTS (SELECT 1 FROM activities a
                          WHERE a.user_id = r.user_id AND a."timestamp" >= r.ts - interval '1 day'
                            AND a."timestamp" <= r.ts + interval '1 day' AND a.id = r.id)
        ON CONFLICT ("timestamp", id) DO NOTHING
        """;

    // One row per user (the batch keeps each user's latest), so ON CONFLICT never meets the same row twice.
    private const string PresenceSql = """
        INSERT INTO user_presence (user_id, state, updated_at)
        SELECT p.user_id, p.state, now() FROM unnest(@presence_users, @presence_states) AS p(user_id, state)
        ON CONFLICT (user_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
        """;

    // Idempotent (a day already recorded changes nothing), so a replayed batch may carry its days again.
    private const string ActiveDaysSql = "SELECT zones_record_active_days(@day_users, @days)";

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly ActivityWriterOptions _options;
    private readonly Channel<PendingWrite> _queue =
        Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _startGate = new();
    private Task? _loop;

    private long _calls;
    private long _batches;
    private long _rows;
    private long _rowsInserted;
    private long _failedBatches;
    private int _lastBatchRows;
    private int _largestBatchRows;
    private long _lastCommitTicks;

    // Set while the database is known to be unreachable: the failure seen, and until when batches fail at once.
    private Exception? _outage;
    private long _failFastUntil;

    public ActivityWriter(NpgsqlDataSource dataSource, ILogger<ActivityWriter>? logger = null, ActivityWriterOptions? options = null)
    {
        _dataSource = dataSource;
        _logger = logger ?? NullLogger<ActivityWriter>.Instance;
        _options = options ?? new ActivityWriterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBatchRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxAttempts, 1);
    }

    public ActivityWriterStats Stats => new(
        Interlocked.Read(ref _calls),
        Interlocked.Read(ref _batches),
        Interlocked.Read(ref _rows),
        Interlocked.Read(ref _rowsInserted),
        Interlocked.Read(ref _failedBatches),
        Volatile.Read(ref _lastBatchRows),
        Volatile.Read(ref _largestBatchRows),
        TimeSpan.FromTicks(Interlocked.Read(ref _lastCommitTicks)));

    /// <summary>Completes once the rows (and <paramref name="presence"/>, in the same transaction) are committed.
    /// Cancelling stops the wait, not the write: rows already queued may still be stored, which is harmless
    /// because a retry is a no-op.</summary>
    public Task WriteAsync(IReadOnlyList<ActivityRecord> activities, PresenceWrite? presence = null,
        CancellationToken cancellationToken = default) => WriteAsync(activities, presence, activeDays: null, cancellationToken);

    /// <summary>As <see cref="WriteAsync(IReadOnlyList{ActivityRecord}, PresenceWrite?, CancellationToken)"/>, and records
    /// <paramref name="activeDays"/> for the users' streaks (<c>zones_record_active_days</c>) in the same transaction.</summary>
    public Task WriteAsync(IReadOnlyList<ActivityRecord> activities, PresenceWrite? presence,
        IReadOnlyList<(Guid UserId, DateOnly Day)>? activeDays, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activities);
        if (activities.Count == 0 && presence is null && activeDays is not { Count: > 0 })
        {
            return Task.CompletedTask;
        }
        EnsureStarted();

        var pending = new PendingWrite(activities, presence, activeDays);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(ActivityWriter), "The activity writer has stopped.");
        }
        Interlocked.Increment(ref _calls);
        return cancellationToken.CanBeCanceled ? pending.Done.Task.WaitAsync(cancellationToken) : pending.Done.Task;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureStarted();
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting writes and drains what is queued (until the token gives up).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        Task? loop;
        lock (_startGate)
        {
            loop = _loop;
        }
        if (loop is not null)
        {
            try
            {
                await loop.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host gave up waiting (shutdown timeout): the loop goes on draining in the background,
                // and anything it cannot write fails its callers, who retry against another silo.
                LogStopTimedOut(_logger);
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    // Started lazily as well as by the host, so a write that races the host's start (or a test that
    // uses the writer without a host) is never stranded.
    private void EnsureStarted()
    {
        if (Volatile.Read(ref _loop) is not null)
        {
            return;
        }
        lock (_startGate)
        {
            _loop ??= Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<PendingWrite>();
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            var rows = 0;
            while (reader.TryPeek(out var next) && (batch.Count == 0 || rows + next.Records.Count <= _options.MaxBatchRows))
            {
                reader.TryRead(out _);
                batch.Add(next);
                rows += next.Records.Count;
            }
            await CommitAsync(batch, rows);
        }
    }

    private async Task CommitAsync(List<PendingWrite> batch, int rows)
    {
        if (_outage is { } outage && Stopwatch.GetTimestamp() < _failFastUntil)
        {
            // The callers' grains drop the presence they moved and answer UNAVAILABLE; their clients resend.
            Fail(batch, new NpgsqlException("The database was unreachable moments ago; not trying again yet.", outage));
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                var inserted = await InsertAsync(batch, rows);
                var elapsed = Stopwatch.GetElapsedTime(started);

                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _rows, rows);
                Interlocked.Add(ref _rowsInserted, inserted);
                Volatile.Write(ref _lastBatchRows, rows);
                if (rows > Volatile.Read(ref _largestBatchRows))
                {
                    Volatile.Write(ref _largestBatchRows, rows);
                }
                Interlocked.Exchange(ref _lastCommitTicks, elapsed.Ticks);
                LogCommitted(_logger, rows, batch.Count, elapsed.TotalMilliseconds);
                if (_outage is not null)
                {
                    _outage = null;
                    LogRecovered(_logger);
                }

                foreach (var pending in batch)
                {
                    pending.Done.TrySetResult();
                }
                return;
            }
            catch (Exception e) when (attempt < _options.MaxAttempts && e is NpgsqlException { IsTransient: true })
            {
                // Idle pooled connections to a server that went away are dead too: the retry opens a fresh one.
                _dataSource.Clear();
                LogRetrying(_logger, e, rows, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt));
            }
            catch (Exception e)
            {
                if (DatabaseOutage.IsOutage(e))
                {
                    _dataSource.Clear();
                    if (_outage is null)
                    {
                        LogFailingFast(_logger, e, _options.FailFastPeriod.TotalMilliseconds);
                    }

                    _outage = e;
                    _failFastUntil = Stopwatch.GetTimestamp() + (long)(_options.FailFastPeriod.TotalSeconds * Stopwatch.Frequency);
                }
                else
                {
                    LogFailed(_logger, e, rows, batch.Count);
                }

                Fail(batch, e);
                return;
            }
        }
    }

    private void Fail(List<PendingWrite> batch, Exception exception)
    {
        Interlocked.Increment(ref _failedBatches);
        foreach (var pending in batch)
        {
            pending.Done.TrySetException(exception);
        }
    }

    private async Task<int> InsertAsync(List<PendingWrite> batch, int rows)
    {
        // Activities and presence in one round trip and one transaction: a batch ends with a single Sync, so
        // PostgreSQL runs its statements in one implicit transaction; all or nothing.
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var sql = new NpgsqlBatch(connection);
        if (rows > 0)
        {
            sql.BatchCommands.Add(ActivitiesCommand(batch, rows));
        }

        if (PresenceCommand(batch) is { } presence)
        {
            sql.BatchCommands.Add(presence);
        }

        if (ActiveDaysCommand(batch) is { } activeDays)
        {
            sql.BatchCommands.Add(activeDays);
        }

        await sql.ExecuteNonQueryAsync();
        return rows > 0 ? sql.BatchCommands[0].RecordsAffected : 0;
    }

    /// <summary>The insert of every activity in the batch, as one array per column.</summary>
    private static NpgsqlBatchCommand ActivitiesCommand(List<PendingWrite> batch, int rows)
    {
        var ids = new Guid[rows];
        var users = new Guid[rows];
        var zones = new Guid[rows];
        var names = new string[rows];
        var types = new string[rows];
        var timestamps = new DateTime[rows];
        var latitudes = new double[rows];
        var longitudes = new double[rows];
        var icons = new string?[rows];
        var texts = new string?[rows];
        var devices = new string?[rows];

        var i = 0;
        foreach (var pending in batch)
        {
            foreach (var record in pending.Records)
            {
                var e = record.Event;
                ids[i] = e.Id;
                users[i] = record.UserId;
                zones[i] = e.ZoneId;
                names[i] = e.ZoneName;
                types[i] = e.Type;
                timestamps[i] = UnixTime.ToUtc(e.Timestamp);
                latitudes[i] = e.Latitude;
                longitudes[i] = e.Longitude;
                icons[i] = e.Icon;
                texts[i] = e.NotificationText;
                devices[i] = record.DeviceId;
                i++;
            }
        }

        var command = new NpgsqlBatchCommand(InsertSql);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid[]>("ids", ids));
        p.Add(new NpgsqlParameter<Guid[]>("users", users));
        p.Add(new NpgsqlParameter<Guid[]>("zones", zones));
        p.Add(new NpgsqlParameter<string[]>("names", names));
        p.Add(new NpgsqlParameter<string[]>("types", types));
        p.Add(new NpgsqlParameter<DateTime[]>("timestamps", timestamps));
        p.Add(new NpgsqlParameter<double[]>("latitudes", latitudes));
        p.Add(new NpgsqlParameter<double[]>("longitudes", longitudes));
        p.Add(new NpgsqlParameter<string?[]>("icons", icons));
        p.Add(new NpgsqlParameter<string?[]>("texts", texts));
        p.Add(new NpgsqlParameter<string?[]>("devices", devices));
        return command;
    }

    /// <summary>The upsert of every presence in the batch; the latest of each user wins (a grain has one write in
    /// flight at a time, so normally there is one per user).</summary>
    private static NpgsqlBatchCommand? PresenceCommand(List<PendingWrite> batch)
    {
        Dictionary<Guid, string>? latest = null;
        foreach (var pending in batch)
        {
            if (pending.Presence is { } presence)
            {
                (latest ??= [])[presence.UserId] = presence.State;
            }
        }

        if (latest is null)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(PresenceSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("presence_users", [.. latest.Keys]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("presence_states", [.. latest.Values])
        {
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Jsonb,
        });
        return command;
    }

    /// <summary>The streak update for every user day in the batch (normally none: a user's first activity of a
    /// UTC day on this silo brings one).</summary>
    private static NpgsqlBatchCommand? ActiveDaysCommand(List<PendingWrite> batch)
    {
        List<Guid>? users = null;
        List<DateOnly>? days = null;
        foreach (var pending in batch)
        {
            foreach (var (userId, day) in pending.ActiveDays ?? [])
            {
                (users ??= []).Add(userId);
                (days ??= []).Add(day);
            }
        }

        if (users is null)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(ActiveDaysSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("day_users", [.. users]));
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]>("days", [.. days!]));
        return command;
    }

    private sealed class PendingWrite(IReadOnlyList<ActivityRecord> records, PresenceWrite? presence,
        IReadOnlyList<(Guid UserId, DateOnly Day)>? activeDays)
    {
        public IReadOnlyList<ActivityRecord> Records { get; } = records;

        public PresenceWrite? Presence { get; } = presence;

        public IReadOnlyList<(Guid UserId, DateOnly Day)>? ActiveDays { get; } = activeDays;

        // Continuations run on the thread pool, not inline on the writer loop, so one slow
        // caller cannot hold up the next batch.
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed {Rows} activities from {Calls} calls in {ElapsedMs} ms")]
    private static partial void LogCommitted(ILogger logger, int rows, int calls, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity batch of {Rows} rows failed on attempt {Attempt}; retrying")]
    private static partial void LogRetrying(ILogger logger, Exception exception, int rows, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Activity batch of {Rows} rows from {Calls} calls failed; the callers will retry")]
    private static partial void LogFailed(ILogger logger, Exception exception, int rows, int calls);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "The database is unreachable; activity batches fail at once for {PeriodMs} ms at a time until a commit succeeds")]
    private static partial void LogFailingFast(ILogger logger, Exception exception, double periodMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database answers again; activity batches commit")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity writer stop timed out; queued activities are still being written")]
    private static partial void LogStopTimedOut(ILogger logger);
}
