using Zones.Geofencing;

namespace Zones.Activities;

/// <summary>An activity as it is stored: the event plus whose it is and where it came from.</summary>
public sealed record ActivityRecord(Guid UserId, ZoneEvent Event, string? DeviceId);

/// <summary>The silo-wide group-commit writer. <see cref="WriteAsync"/> completes once the activities are
/// durable; many grains' calls share one database round trip. Inserts ignore an existing id.</summary>
public interface IActivityWriter
{
    Task WriteAsync(IReadOnlyList<ActivityRecord> activities, CancellationToken cancellationToken = default);
}

/// <summary>Reads a user's activity history.</summary>
public interface IActivityReader
{
    Task<ActivityPage> QueryAsync(Guid userId, ActivityQuery query, CancellationToken cancellationToken = default);
}
