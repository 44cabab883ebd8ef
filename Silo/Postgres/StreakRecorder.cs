using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zones.Activities;

namespace Zones.Silo.Postgres;

/// <summary>Keeps <c>users.streak</c> current without touching the group commit: it wraps the
/// <see cref="ActivityWriter"/> and, once a write is durable, records the UTC days its activities fall on through
/// <c>zones_record_active_days</c> (migration 0005). A per-silo cache of the last day recorded per user makes this one
/// small UPDATE per user per day; every other write costs a dictionary lookup. A failed update is logged, not
/// thrown (the activities are stored; the user's next activity records the day again), and a replayed batch
/// records its days again, so a crash between commit and update loses nothing once the phone retries.</summary>
public sealed partial class StreakRecorder(ActivityWriter writer, NpgsqlDataSource dataSource, ILogger<StreakRecorder>? logger = null)
    : IActivityWriter
{
    /// <summary>Past this many users the cache starts over; it only saves calls, the database holds the truth.</summary>
    public const int MaxCachedUsers = 200_000;

    private readonly ConcurrentDictionary<Guid, DateOnly> _recorded = new();
    private readonly ILogger _logger = logger ?? NullLogger<StreakRecorder>.Instance;

    public async Task WriteAsync(IReadOnlyList<ActivityRecord> activities, PresenceWrite? presence = null,
        CancellationToken cancellationToken = default)
    {
        await writer.WriteAsync(activities, presence, cancellationToken);

        List<(Guid UserId, DateOnly Day)>? fresh = null;
        foreach (var activity in activities)
        {
            var day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(activity.Event.Timestamp).UtcDateTime);
            if (!_recorded.TryGetValue(activity.UserId, out var known) || day > known)
            {
                (fresh ??= []).Add((activity.UserId, day));
            }
        }

        if (fresh is not null)
        {
            await RecordAsync(fresh, cancellationToken);
        }
    }

    private async Task RecordAsync(List<(Guid UserId, DateOnly Day)> days, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT zones_record_active_days(@users, @days)");
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("users", days.Select(d => d.UserId).ToArray()));
            command.Parameters.Add(new NpgsqlParameter<DateOnly[]>("days", days.Select(d => d.Day).ToArray()));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
        {
            RecordFailed(_logger, days.Count, ex.Message);
            return;
        }

        if (_recorded.Count > MaxCachedUsers)
        {
            _recorded.Clear();
        }

        foreach (var (userId, day) in days)
        {
            _recorded.AddOrUpdate(userId, day, (_, known) => known > day ? known : day);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record {Count} active days for streaks: {Reason}")]
    private static partial void RecordFailed(ILogger logger, int count, string reason);
}
