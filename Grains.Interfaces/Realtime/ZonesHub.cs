using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Zones.Geofencing;

namespace Zones.Realtime;

/// <summary>The live-notification hub at <c>/hubs/zones</c>.
/// It lives in the contract because the SignalR Redis backplane names its channels after the hub's
/// full type name: the Api hosts it, the silos publish to it through <c>IHubContext&lt;ZonesHub&gt;</c>,
/// and both must name the same type. Its behaviour is the Api's, behind <see cref="IZonesHubHandler"/>.</summary>
[Authorize]
public sealed class ZonesHub(IZonesHubHandler handler) : Hub
{
    /// <summary>The client method that receives a <see cref="ZoneEvent"/>.</summary>
    public const string ZoneEventMethod = "zoneEvent";

    /// <summary>The client method sent once on every connection, without arguments, as soon as live delivery to it is in
    /// place: every transition stored after this message was sent and selected for push is pushed on the connection (while the backplane is up). SignalR answers the
    /// handshake (the client's start, or its reconnect, completes) before the backplane has subscribed the connection
    /// to its user's channel, so a client that caught up when the handshake completed could read the history just
    /// before a transition was stored whose push went out just before the subscription: neither would carry it. A
    /// client catches up when this message arrives instead (API.md, Live notifications).</summary>
    public const string SubscribedMethod = "subscribed";

    /// <summary>The route the Api maps the hub to.</summary>
    public const string Path = "/hubs/zones";

    /// <summary>The Redis channel prefix of the backplane: silos publish and Api nodes deliver under it, so
    /// both name it from here.</summary>
    public const string RedisChannelPrefix = "zones";

    /// <summary>SignalR calls this after the lifetime manager's own connect (with the Redis backplane: the subscriptions
    /// to the connection's and its user's channels), so <see cref="SubscribedMethod"/> tells the client that the
    /// subscription is in place.</summary>
    public override Task OnConnectedAsync() => Clients.Caller.SendAsync(SubscribedMethod);

    /// <summary>Same rules and answer as <c>POST /api/v1/locations</c>. The argument is a JSON element over the
    /// JSON protocol and a map over MessagePack; the handler reads both alike.</summary>
    public Task<object> SendLocations(object request) => handler.SendLocations(Context, request);

    /// <summary>For a device that keeps its connection open: each ping is evaluated as it arrives.</summary>
    public Task StreamLocations(IAsyncEnumerable<object> pings) => handler.StreamLocations(Context, pings);
}

/// <summary>The Api's implementation of the hub's client-to-server methods.</summary>
public interface IZonesHubHandler
{
    Task<object> SendLocations(HubCallerContext context, object request);

    Task StreamLocations(HubCallerContext context, IAsyncEnumerable<object> pings);
}
