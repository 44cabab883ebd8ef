using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.IdentityModel.JsonWebTokens;
using Zones.Accounts;
using Zones.Api.Auth;
using Zones.Api.Infrastructure;

namespace Zones.Api.Realtime;

/// <summary>Every open hub connection of this node, so a draining node can close the ones still open (clients
/// reconnect through the balancer to another node), and so a connection opened with an access token that is later
/// revoked (account deleted, logged out everywhere) is cut at once instead of living on until the token expires.
/// A hub filter: the hub itself is untouched.</summary>
public sealed class HubConnectionRegistry : IHubFilter
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new();
    private readonly AccessTokenRevocations _revocations;

    public HubConnectionRegistry(AccessTokenRevocations revocations)
    {
        _revocations = revocations;
        revocations.Applied += CloseRevoked;
    }

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

    /// <summary>Aborts the connections of <paramref name="revocation"/>'s user whose token it voids (a token without
    /// <c>iat</c> counts as void). The client's reconnect then meets the bearer check and gets 401.</summary>
    private void CloseRevoked(AccessRevocation revocation)
    {
        foreach (var (_, connection) in _connections)
        {
            if (CurrentUser.TryGetId(connection.User) != revocation.UserId)
            {
                continue;
            }

            var issuedAt = long.TryParse(connection.User?.FindFirst(JwtRegisteredClaimNames.Iat)?.Value, out var iat) ? iat : long.MinValue;
            if (_revocations.IsRevoked(revocation.UserId, issuedAt))
            {
                connection.Abort();
            }
        }
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
