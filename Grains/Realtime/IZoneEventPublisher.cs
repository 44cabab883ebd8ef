using Zones.Geofencing;

namespace Zones.Realtime;

/// <summary>Pushes events to every live connection of a user, on any Api node. At-most-once by nature:
/// the activity log is the durable truth.</summary>
public interface IZoneEventPublisher
{
    Task PublishAsync(Guid userId, IReadOnlyList<ZoneEvent> events, CancellationToken cancellationToken = default);
}
