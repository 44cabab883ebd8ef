using System.Collections.Concurrent;
using Zones.Activities;

namespace Zones.Silo.Postgres;

/// <summary>Keeps <c>users.streak</c> current: it wraps the <see cref="ActivityWriter"/> and hands it, with each write, the
/// UTC days of its activities that this silo has not recorded yet for the user; the writer records them through
/// <c>zones_record_active_days</c> (migration 0005; its row locks 0008) in the same transaction as the activities, so the streak is
/// exactly as durable as they are and costs no round trip of its own. A per-silo cache of the last day recorded per
/// user makes that one small UPDATE per user per day; every other write costs a dictionary lookup. The update is
/// idempotent, so a replayed batch or a second silo's cache changes nothing.</summary>
public sealed class StreakRecorder(ActivityWriter writer) : IActivityWriter
{
    /// <summary>Past this many users the cache starts over; it only saves work, the database holds the truth.</summary>
    public const int MaxCachedUsers = 200_000;

    private readonly ConcurrentDictionary<Guid, DateOnly> _recorded = new();

    public async Task WriteAsync(IReadOnlyList<ActivityRecord> activities, PresenceWrite? presence = null,
        CancellationToken cancellationToken = default)
    {
        List<(Guid UserId, DateOnly Day)>? fresh = null;
        foreach (var activity in activities)
        {
            var day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(activity.Event.Timestamp).UtcDateTime);
            if (!_recorded.TryGetValue(activity.UserId, out var known) || day > known)
            {
                (fresh ??= []).Add((activity.UserId, day));
            }
        }

        await writer.WriteAsync(activities, presence, fresh, cancellationToken);
        if (fresh is null)
        {
            return;
        }

        if (_recorded.Count > MaxCachedUsers)
        {
            _recorded.Clear();
        }

        foreach (var (userId, day) in fresh)
        {
            _recorded.AddOrUpdate(userId, day, (_, known) => known > day ? known : day);
        }
    }
}
