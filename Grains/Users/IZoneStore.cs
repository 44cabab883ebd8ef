using Zones.Geofencing;

namespace Zones.Users;

/// <summary>The durable home of zones (the <c>zones</c> table). The user grain loads a user's live zones on
/// activation and writes every change through.</summary>
public interface IZoneStore
{
    Task<IReadOnlyList<Zone>> LoadLiveZonesAsync(Guid userId, CancellationToken cancellationToken = default);

    Task InsertAsync(Zone zone, CancellationToken cancellationToken = default);

    Task UpdateAsync(Zone zone, CancellationToken cancellationToken = default);

    /// <summary>Marks the zone deleted; false when no live zone of that user had the id.</summary>
    Task<bool> SoftDeleteAsync(Guid userId, Guid zoneId, long deletedAt, CancellationToken cancellationToken = default);
}
