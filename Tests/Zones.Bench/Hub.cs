using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Zones.Bench;

/// <summary>SignalR connections to /hubs/zones with the access token as the access_token query parameter
/// (WebSockets, no negotiation), in the JSON or the MessagePack protocol.</summary>
public static class Hub
{
    public static async Task<HubConnection> ConnectAsync(Uri api, string token, bool messagePack, TimeSpan timeout)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(api, "/hubs/zones"), o =>
        {
            o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
        });
        if (messagePack)
        {
            builder.AddMessagePackProtocol();
        }

        var connection = builder.Build();
        // The hub's first message on every connection; the bench does not catch up, so it has nothing to do.
        connection.On("subscribed", () => { });
        connection.ServerTimeout = TimeSpan.FromSeconds(60);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await connection.StartAsync(cts.Token);
            return connection;
        }
        catch (Exception e)
        {
            await connection.DisposeAsync();
            var protocol = messagePack ? "messagepack" : "json";
            if (messagePack && e.Message.Contains("protocol", StringComparison.OrdinalIgnoreCase))
            {
                throw new BenchException($"the hub at {api} does not accept the SignalR MessagePack protocol ({e.Message.Trim()})");
            }

            throw new BenchException(cts.IsCancellationRequested
                ? $"the hub at {api} did not complete the {protocol} handshake within {timeout.TotalSeconds:F0} s"
                    + (messagePack ? " (does the server offer the MessagePack protocol?)" : string.Empty)
                : $"hub connection to {api} ({protocol}) failed: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Opens many connections, a few dozen at a time.</summary>
    public static async Task<HubConnection[]> ConnectManyAsync(Uri api, IReadOnlyList<string> tokens, bool messagePack, TimeSpan timeout)
    {
        var connections = new HubConnection[tokens.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, tokens.Count), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (i, _) => connections[i] = await ConnectAsync(api, tokens[i], messagePack, timeout));
        return connections;
    }

    public static async Task CloseAllAsync(IEnumerable<HubConnection?> connections) =>
        await Task.WhenAll(connections.OfType<HubConnection>().Select(async c =>
        {
            try
            {
                await c.DisposeAsync();
            }
            catch (Exception)
            {
                // Closing is best effort: the run is over for this connection either way.
            }
        }));
}
