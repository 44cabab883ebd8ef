using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.SignalR;

namespace Zones.Api.Realtime;

/// <summary>Every open hub connection of this node, so a draining node can close the ones still open (clients
/// reconnect through the balancer to another node). A hub filter: the hub itself is untouched.</summary>
public sealed class HubConnectionRegistry : IHubFilter
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new();

    public int Count => _connections.Count;

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        _connections[context.Context.ConnectionId] = context.Context;
        await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _connections.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception);
    }

    /// <summary>Closes every open connection with a close message that allows a reconnect (as when an access
    /// token expires), so clients with automatic reconnect come back at once, through the balancer; answers how
    /// many there were. A connection without that feature is aborted.</summary>
    public int CloseAll()
    {
        var count = 0;
        foreach (var (_, connection) in _connections)
        {
            if (connection.Features.Get<IConnectionLifetimeNotificationFeature>() is { } lifetime)
            {
                lifetime.RequestClose();
            }
            else
            {
                connection.Abort();
            }

            count++;
        }

        return count;
    }
}
