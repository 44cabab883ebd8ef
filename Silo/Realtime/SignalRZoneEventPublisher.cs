using Microsoft.AspNetCore.SignalR;
using Zones.Geofencing;
using Zones.Realtime;

namespace Zones.Silo.Realtime;

/// <summary>Pushes events through the SignalR Redis backplane: the silo holds no connections, it publishes
/// on the user's channel and whichever Api node holds a connection of that user delivers it.</summary>
public sealed class SignalRZoneEventPublisher(IHubContext<ZonesHub> hub) : IZoneEventPublisher
{
    /// <summary>How long a grain waits for its pushes to reach Redis. Pushes are best effort and the grain's
    /// answer waits for them, so a Redis outage must cost a user's pings at most this much, not the Redis
    /// client's own multi-second timeouts.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(1);

    public Task PublishAsync(Guid userId, IReadOnlyList<ZoneEvent> events, CancellationToken cancellationToken = default)
    {
        var user = hub.Clients.User(userId.ToString());
        // Issued back to back on one Redis connection, so they arrive in order (exit before enter, as in the
        // HTTP answer) without waiting for one another.
        var sends = new Task[events.Count];
        for (var i = 0; i < sends.Length; i++)
        {
            sends[i] = user.SendAsync(ZonesHub.ZoneEventMethod, HubMessages.ZoneEvent(events[i]), cancellationToken);
        }

        return Task.WhenAll(sends).WaitAsync(PublishTimeout, cancellationToken);
    }
}
