using Zones.Geofencing;

namespace Zones.Realtime;

/// <summary>Pushes events to every live connection of a user, on any Api node. At most once per call (Redis pub/sub;
/// a resent batch's stored events are pushed again, since the attempt that stored them may have died first):
/// the activity log is the durable truth.</summary>
public interface IZoneEventPublisher
{
    Task PublishAsync(Guid userId, IReadOnlyList<ZoneEvent> events, CancellationToken cancellationToken = default);
}
