using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Zones.Bench;

/// <summary>POST /api/v1/locations over raw keep-alive connections, one request in flight per connection.</summary>
public sealed class HttpLoad(Target target, Ledger? ledger, BenchOptions options) : IDisposable
{
    private sealed class Worker(RawHttpConnection connection)
    {
        public RawHttpConnection Connection { get; } = connection;
        public ArrayBufferWriter<byte> Body { get; } = new(4_096);
        public byte[] Request = new byte[4_096];
        public List<Transition> Transitions { get; } = [];
        public List<SeenEvent> Events { get; } = [];
        public WirePing[] Pings = [];
        public CancellationTokenSource Timeout = new();
    }

    private readonly Worker[] workers = Enumerable.Range(0, options.Connections)
        .Select(_ => new Worker(new RawHttpConnection(target.Endpoint))).ToArray();

    public Task RunAsync(PhaseStats phase, double warmup) =>
        OpenLoop.RunWorkersAsync(phase, warmup, grace: 1, workers.Length, (w, intended) => SendAsync(workers[w], phase, intended));

    private async ValueTask SendAsync(Worker w, PhaseStats phase, long intended)
    {
        var user = await target.AcquireAsync();
        var track = target.Tracks[user];
        var counted = phase.Counts(intended);
        try
        {
            w.Transitions.Clear();
            if (w.Pings.Length != phase.PingsPerSend)
            {
                w.Pings = new WirePing[phase.PingsPerSend];
            }

            for (var i = 0; i < w.Pings.Length; i++)
            {
                w.Pings[i] = track.Walker.Next(target.Evaluates ? w.Transitions : null);
            }

            w.Body.ResetWrittenCount();
            PingJson.Write(w.Body, null, w.Pings);
            var request = RawHttpConnection.Compose(track.Prefix, w.Body.WrittenSpan, ref w.Request);
            ledger?.Expect(user, w.Transitions, intended, phase);
            if (!w.Timeout.TryReset())
            {
                w.Timeout.Dispose();
                w.Timeout = new CancellationTokenSource();
            }

            w.Timeout.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
            if (counted)
            {
                Interlocked.Increment(ref phase.Sent);
            }

            var (status, body) = await w.Connection.ExchangeAsync(request, w.Timeout.Token);
            var now = Stopwatch.GetTimestamp();
            if (counted)
            {
                phase.Record(intended, now);
            }

            if (status != 200)
            {
                Fail(phase, track, $"HTTP {status}");
                return;
            }

            if (!AnswerReader.TryRead(body.Span, out _, out var ignored, w.Events))
            {
                Fail(phase, track, "unreadable answer");
                return;
            }

            if (ignored > 0)
            {
                Interlocked.Add(ref phase.Ignored, ignored);
            }

            ledger?.CheckAnswer(user, w.Transitions, w.Events, phase);
            Interlocked.Increment(ref phase.LiveCompleted);
            if (counted)
            {
                Interlocked.Increment(ref phase.Completed);
                Interlocked.Add(ref phase.Pings, w.Pings.Length);
            }
        }
        catch (OperationCanceledException)
        {
            if (counted)
            {
                phase.Record(intended, Stopwatch.GetTimestamp());
            }

            Fail(phase, track, "timeout");
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            if (counted)
            {
                phase.Record(intended, Stopwatch.GetTimestamp());
            }

            Fail(phase, track, "transport: " + e.Message);
        }
        finally
        {
            target.Release(user);
        }
    }

    internal static void Fail(PhaseStats phase, Track track, string kind)
    {
        // The server may or may not have evaluated these pings: this user's expectations are no longer sure.
        track.Uncertain = true;
        phase.Error(kind);
    }

    public void Dispose()
    {
        foreach (var w in workers)
        {
            w.Connection.Dispose();
            w.Timeout.Dispose();
        }
    }
}

/// <summary>Every user's device on its own hub connection: SendLocations calls (timed like requests) or one
/// StreamLocations stream per device (timed at hand-off to the connection, and crossing pings to zoneEvent).</summary>
public sealed class HubLoad(Target target, Ledger? ledger, BenchOptions options, HubConnection[] devices)
{
    public Task RunSendAsync(PhaseStats phase, double warmup) =>
        OpenLoop.RunWorkersAsync(phase, warmup, grace: 1, options.Connections, (_, intended) => InvokeAsync(phase, intended));

    private async ValueTask InvokeAsync(PhaseStats phase, long intended)
    {
        var user = await target.AcquireAsync();
        var track = target.Tracks[user];
        var counted = phase.Counts(intended);
        var transitions = new List<Transition>();
        try
        {
            var pings = new WirePing[phase.PingsPerSend];
            for (var i = 0; i < pings.Length; i++)
            {
                pings[i] = track.Walker.Next(target.Evaluates ? transitions : null);
            }

            ledger?.Expect(user, transitions, intended, phase);
            if (counted)
            {
                Interlocked.Increment(ref phase.Sent);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds));
            var answer = await devices[user].InvokeAsync<object>("SendLocations", new WireBatch(null, pings), timeout.Token);
            var now = Stopwatch.GetTimestamp();
            if (counted)
            {
                phase.Record(intended, now);
            }

            if (AnswerReader.FromHubAnswer(answer) is not { } read)
            {
                HttpLoad.Fail(phase, track, "unreadable answer");
                return;
            }

            if (read.Ignored > 0)
            {
                Interlocked.Add(ref phase.Ignored, read.Ignored);
            }

            ledger?.CheckAnswer(user, transitions, read.Events, phase);
            Interlocked.Increment(ref phase.LiveCompleted);
            if (counted)
            {
                Interlocked.Increment(ref phase.Completed);
                Interlocked.Add(ref phase.Pings, pings.Length);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or HubException or InvalidOperationException or IOException)
        {
            if (counted)
            {
                phase.Record(intended, Stopwatch.GetTimestamp());
            }

            HttpLoad.Fail(phase, track, e is OperationCanceledException ? "timeout" : "hub: " + Short(e.Message));
        }
        finally
        {
            target.Release(user);
        }
    }

    public async Task RunStreamAsync(PhaseStats phase, double warmup)
    {
        var channels = devices.Select(_ => Channel.CreateBounded<(WirePing Ping, long Intended)>(
            new BoundedChannelOptions(1_000) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait })).ToArray();
        var streams = devices.Select((d, u) => d.InvokeAsync("StreamLocations", Pull(channels[u].Reader, phase))).ToArray();
        var transitions = new List<Transition>();
        var next = 0;
        var scheduler = new Thread(() => OpenLoop.Schedule(phase, warmup, intended =>
        {
            var user = next;
            next = (next + 1) % devices.Length;
            var track = target.Tracks[user];
            transitions.Clear();
            var ping = track.Walker.Next(target.Evaluates ? transitions : null);
            ledger?.Expect(user, transitions, intended, phase);
            if (phase.Counts(intended))
            {
                Interlocked.Increment(ref phase.Sent);
            }

            if (!channels[user].Writer.TryWrite((ping, intended)))
            {
                HttpLoad.Fail(phase, track, "device backlog full (the connection does not keep up)");
            }
        }, () => $"  backlog {channels.Sum(c => c.Reader.Count),6:N0}"))
        { IsBackground = true, Priority = ThreadPriority.AboveNormal, Name = "schedule" };
        scheduler.Start();
        await Task.Run(scheduler.Join);
        foreach (var c in channels)
        {
            c.Writer.TryComplete();
        }

        for (var u = 0; u < streams.Length; u++)
        {
            try
            {
                await streams[u].WaitAsync(TimeSpan.FromSeconds(options.TimeoutSeconds + 10));
            }
            catch (Exception e) when (e is TimeoutException or HubException or InvalidOperationException or IOException or OperationCanceledException)
            {
                HttpLoad.Fail(phase, target.Tracks[u], e is TimeoutException ? "stream did not complete" : "hub: " + Short(e.Message));
            }
        }
    }

    private static async IAsyncEnumerable<WirePing> Pull(ChannelReader<(WirePing Ping, long Intended)> reader, PhaseStats phase)
    {
        await foreach (var (ping, intended) in reader.ReadAllAsync())
        {
            Interlocked.Increment(ref phase.LiveCompleted);
            if (phase.Counts(intended))
            {
                phase.Record(intended, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref phase.Completed);
                Interlocked.Increment(ref phase.Pings);
            }

            yield return ping;
        }
    }

    private static string Short(string message)
    {
        var at = message.IndexOf("HubException: ", StringComparison.Ordinal);
        var text = at >= 0 ? message[(at + 14)..] : message;
        return text.Length > 80 ? text[..80] : text;
    }
}
