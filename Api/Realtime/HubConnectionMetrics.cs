using Microsoft.AspNetCore.SignalR;
using Prometheus;

namespace Zones.Api.Realtime;

/// <summary>Counts the hub connections this Api node holds (<c>zones_hub_connections</c>) and the ones it has
/// accepted (<c>zones_hub_connections_opened_total</c>), from the hub's own connect and disconnect, so the
/// figure never depends on which .NET meters an exporter happens to pick up.</summary>
public sealed class HubConnectionMetrics : IHubFilter
{
    private static readonly Gauge Open = Metrics.CreateGauge(
        "zones_hub_connections", "SignalR connections open on /hubs/zones on this Api node.");

    private static readonly Counter Opened = Metrics.CreateCounter(
        "zones_hub_connections_opened_total", "SignalR connections accepted on /hubs/zones by this Api node.");

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await next(context);
        Open.Inc();
        Opened.Inc();
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception,
        Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        finally
        {
            Open.Dec();
        }
    }
}
