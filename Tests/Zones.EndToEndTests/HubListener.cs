using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Zones.EndToEndTests;

/// <summary>A SignalR client on /hubs/zones over WebSockets that queues every zoneEvent it receives. Connected means
/// subscribed: it waits for the hub's <c>subscribed</c> message, so a transition stored after that is pushed to it.</summary>
public sealed class HubListener : IAsyncDisposable
{
    readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    HubConnection? _connection;

    public static async Task<HubListener> ConnectAsync(Uri apiUrl, string token)
    {
        var listener = new HubListener();
        listener._connection = new HubConnectionBuilder()
            .WithUrl(new Uri(apiUrl, "/hubs/zones"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener._connection.On("subscribed", () => subscribed.TrySetResult());
        listener._connection.On<JsonElement>("zoneEvent", e => listener._events.Writer.TryWrite(e));
        await listener._connection.StartAsync();
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return listener;
    }

    /// <summary>Calls a hub method and answers its result (e.g. <c>SendLocations</c>).</summary>
    public Task<JsonElement> InvokeAsync(string method, object argument) =>
        _connection!.InvokeAsync<JsonElement>(method, argument);

    /// <summary>Streams <paramref name="items"/> to a hub method that takes a client stream (e.g. <c>StreamLocations</c>).</summary>
    public Task SendStreamAsync(string method, IAsyncEnumerable<object> items) => _connection!.SendAsync(method, items);

    /// <summary>The next <paramref name="count"/> zoneEvent messages, in arrival order; fails the test, naming
    /// <paramref name="what"/> and with the cluster's logs, if they do not all arrive within <paramref name="timeout"/>.</summary>
    public async Task<List<JsonElement>> TakeAsync(int count, TimeSpan timeout, LocalCluster cluster, string? what = null)
    {
        var received = new List<JsonElement>();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (received.Count < count)
            {
                received.Add(await _events.Reader.ReadAsync(cancel.Token));
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"expected {count} zoneEvent messages on the hub within {timeout}{(what is null ? "" : $" ({what})")}, "
                + $"got {received.Count}: [{string.Join(", ", received.Select(e => e.GetRawText()))}]\n{cluster.Logs()}");
        }

        return received;
    }

    /// <summary>The next zoneEvent message, or null if none arrives within <paramref name="timeout"/>.</summary>
    public async Task<JsonElement?> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _events.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
