using Microsoft.AspNetCore.SignalR;
using Zones.Geofencing;
using Zones.Realtime;

namespace Zones.Silo.Realtime;

/// <summary>Pushes events through the SignalR Redis backplane: the silo holds no connections, it publishes
/// on the user's channel and whichever Api node holds a connection of that user delivers it.</summary>
public sealed class SignalRZoneEventPublisher(IHubContext<ZonesHub> hub) : IZoneEventPublisher
{
    public async Task PublishAsync(Guid userId, IReadOnlyList<ZoneEvent> events, CancellationToken cancellationToken = default)
    {
        var user = hub.Clients.User(userId.ToString());
        // One message per event, in order: clients see exit before enter, as in the HTTP answer.
        foreach (var zoneEvent in events)
        {
            await user.SendAsync(ZonesHub.ZoneEventMethod, zoneEvent, cancellationToken);
        }
    }
}
