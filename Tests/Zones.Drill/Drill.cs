using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Zones.Drill;

/// <summary>One drill user: its zone, its hub connection and what it was told and saw.</summary>
public sealed class DrillUser(int index)
{
    public int Index { get; } = index;
    public string Token { get; set; } = "";
    public double Latitude => 48.0 + Index * 0.01;
    public double Longitude => 11.0;
    public HubConnection? Hub { get; set; }

    /// <summary>Transition ids that a 200 answer carried (the API stores them before it answers), with the second of
    /// sending at which that answer arrived.</summary>
    public ConcurrentDictionary<string, double> Acknowledged { get; } = new();

    /// <summary>Transition ids pushed live on the hub.</summary>
    public ConcurrentDictionary<string, byte> Live { get; } = new();

    /// <summary>Every request sent for a ping (by the ping's timestamp): when it was sent and when it ended, in seconds
    /// of sending. Tells whether a ping's request was in flight when an Api node was killed.</summary>
    public ConcurrentQueue<(long Ping, double Sent, double Ended)> Attempts { get; } = new();

    /// <summary>Transition ids read back with GET /activities?from= after each reconnect.</summary>
    public ConcurrentDictionary<string, byte> CaughtUp { get; } = new();

    public long LastLiveTimestamp;

    /// <summary>The timestamp of the last event seen live before the connection was lost (0: none), taken when it was
    /// lost: events pushed on the new connection can arrive before its catch-up starts and must not move it on.</summary>
    public long CatchUpFrom;

    /// <summary>1 from a disconnect until the catch-up on the new connection has started.</summary>
    public int CatchUpPending;

    public long DisconnectedAt;
}

/// <summary>A transition read back from GET /activities. <see cref="Key"/> (type and ping time) is what a duplicate
/// would share; the drill's zone has no dwell, so <see cref="Timestamp"/> is the time of the ping that caused it.</summary>
public sealed record StoredTransition(string Id, string Type, long Timestamp)
{
    public string Key => $"{Type}@{Timestamp}";
}

/// <summary>Users streaming pings through the balancer, each with a hub connection that reconnects by itself
/// and, once the new connection says it is subscribed, catches up from GET /activities?from=; then everything checked
/// against storage.</summary>
public sealed class Drill(DrillOptions options)
{
    /// <summary>The hub's "live delivery is in place" message (API.md, Live notifications).</summary>
    private const string SubscribedMethod = "subscribed";

    private static readonly long DeviceStart = DateTimeOffset.UtcNow.AddHours(-20).ToUnixTimeMilliseconds();
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5) })
    {
        BaseAddress = options.Api,
        Timeout = TimeSpan.FromSeconds(30),
    };
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<long, SecondCounts> _seconds = new();
    private readonly ConcurrentBag<double> _latencies = [];
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentDictionary<string, int> _failureKinds = new();
    private readonly ConcurrentBag<double> _reconnectGaps = [];
    private readonly ConcurrentBag<Task> _catchUps = [];
    private int _disconnects;
    private int _hubClosed;
    private int _abandoned;
    private TimeSpan _sendingStarted;
    private long _sendingStartedUnixMs;
    private volatile bool _finishing;

    public async Task<DrillReport> RunAsync()
    {
        var users = Enumerable.Range(0, options.Users).Select(i => new DrillUser(i)).ToArray();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (u, _) => await SetUpAsync(u));
        Console.WriteLine($"drill: {users.Length} users with a zone and a hub connection; sending for up to {options.Duration.TotalSeconds:0} s");
        if (options.ReadyFile is not null)
        {
            await File.WriteAllTextAsync(options.ReadyFile, "sending\n");
        }

        _sendingStarted = _clock.Elapsed;
        _sendingStartedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var stop = new CancellationTokenSource(options.Duration);
        var watcher = WatchStopFileAsync(stop);
        await Task.WhenAll(users.Select(u => DeviceAsync(u, stop.Token)));
        var sendingSeconds = Now;
        await stop.CancelAsync();
        await watcher;

        // Let the last pushes and catch-ups land, then read back what is stored.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await Task.WhenAll(_catchUps);
        var stored = new Dictionary<int, List<StoredTransition>>();
        foreach (var user in users)
        {
            stored[user.Index] = await StoredAsync(user);
        }

        _finishing = true;
        foreach (var user in users)
        {
            if (user.Hub is not null)
            {
                await user.Hub.DisposeAsync();
            }
        }

        var seconds = _seconds.ToDictionary();
        var faults = options.FaultFile is null
            ? FaultTimeline.None
            : FaultTimeline.From(FaultMarker.Read(options.FaultFile), _sendingStartedUnixMs, sendingSeconds, seconds);
        return DrillReport.From(users, stored, seconds, faults, _latencies, _failures, _failureKinds, _reconnectGaps, _disconnects, _hubClosed,
            _abandoned, sendingSeconds, options);
    }

    private async Task WatchStopFileAsync(CancellationTokenSource stop)
    {
        if (options.StopFile is null)
        {
            return;
        }

        while (!stop.IsCancellationRequested && !File.Exists(options.StopFile))
        {
            try
            {
                await Task.Delay(200, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        await stop.CancelAsync();
    }

    private async Task SetUpAsync(DrillUser user)
    {
        var unique = Guid.NewGuid().ToString("N")[..12];
        var session = await SendAsync(HttpMethod.Post, "/api/v1/auth/register", null, new
        {
            email = $"drill-{unique}@example.test",
            password = "correct horse battery",
            username = $"drill_{unique}",
            name = "Drill",
        });
        user.Token = session["accessToken"]!.GetValue<string>();
        await SendAsync(HttpMethod.Post, "/api/v1/zones", user.Token, new
        {
            title = "Drill zone",
            latitude = user.Latitude,
            longitude = user.Longitude,
            radius = 150,
        });
        user.Hub = new HubConnectionBuilder()
            .WithUrl(new Uri(options.Api, "/hubs/zones"), o =>
            {
                // WebSockets without negotiation: one request, so any node behind the balancer can take it.
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(user.Token);
            })
            .WithAutomaticReconnect(new QuickRetry())
            .Build();
        user.Hub.On<JsonElement>("zoneEvent", e =>
        {
            user.Live.TryAdd(e.GetProperty("id").GetString()!, 0);
            InterlockedMax(ref user.LastLiveTimestamp, e.GetProperty("timestamp").GetInt64());
        });
        user.Hub.Reconnecting += _ =>
        {
            Interlocked.Increment(ref _disconnects);
            Interlocked.Exchange(ref user.DisconnectedAt, _clock.Elapsed.Ticks);
            // A connection lost again before its catch-up started keeps the earlier starting point.
            if (Interlocked.Exchange(ref user.CatchUpPending, 1) == 0)
            {
                Interlocked.Exchange(ref user.CatchUpFrom, Interlocked.Read(ref user.LastLiveTimestamp));
            }

            return Task.CompletedTask;
        };
        // The hub's first message on every connection, once live delivery to it is in place: catch up then, not when
        // the reconnect completes (SignalR completes it before the backplane has subscribed the connection).
        user.Hub.On(SubscribedMethod, () =>
        {
            if (Interlocked.Exchange(ref user.CatchUpPending, 0) == 1)
            {
                _catchUps.Add(CatchUpAsync(user, Interlocked.Read(ref user.CatchUpFrom)));
            }
        });
        user.Hub.Reconnected += _ =>
        {
            _reconnectGaps.Add(TimeSpan.FromTicks(_clock.Elapsed.Ticks - Interlocked.Read(ref user.DisconnectedAt)).TotalSeconds);
            return Task.CompletedTask;
        };
        user.Hub.Closed += error =>
        {
            if (_finishing)
            {
                return Task.CompletedTask;
            }

            Interlocked.Increment(ref _hubClosed);
            _failures.Enqueue($"a hub connection closed for good: {error?.Message ?? "no error"}");
            return Task.CompletedTask;
        };
        await user.Hub.StartAsync();
    }

    /// <summary>What a client does once a new connection is subscribed: read what happened since the last event it saw
    /// before the old one was lost (<c>from</c> is inclusive, so that event comes back too; ids dedupe).</summary>
    private async Task CatchUpAsync(DrillUser user, long lastSeen)
    {
        var from = Math.Max(DeviceStart, lastSeen);
        try
        {
            foreach (var transition in await ListAsync(user, from))
            {
                user.CaughtUp.TryAdd(transition.Id, 0);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            _failures.Enqueue($"catch-up after a reconnect: {e.Message}");
        }
    }

    private async Task DeviceAsync(DrillUser user, CancellationToken stop)
    {
        for (var k = 0; !stop.IsCancellationRequested; k++)
        {
            // Inside the zone on odd fixes, 400 m north of it on even ones, 10 s apart (144 km/h): every fix crosses.
            var ping = new
            {
                latitude = user.Latitude + (k % 2 == 0 ? 0.0036 : 0),
                longitude = user.Longitude,
                accuracy = 5.0,
                timestamp = DeviceStart + k * 10_000L,
            };
            // A failed request is resent as it was, as a device would: a resent batch changes nothing.
            var deadline = _clock.Elapsed + TimeSpan.FromSeconds(60);
            while (!await PostAsync(user, ping, ping.timestamp))
            {
                if (_clock.Elapsed >= deadline)
                {
                    Interlocked.Increment(ref _abandoned);
                    _failures.Enqueue($"t={Now:0.0}s a ping was still not accepted after 60 s of resending: given up");
                    break;
                }

                await Task.Delay(200, CancellationToken.None);
            }

            try
            {
                await Task.Delay(options.Interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> PostAsync(DrillUser user, object ping, long pingTimestamp)
    {
        var started = _clock.Elapsed;
        var at = Now;
        try
        {
            return await PostOnceAsync(user, ping, started, at);
        }
        finally
        {
            user.Attempts.Enqueue((pingTimestamp, at, Now));
        }
    }

    private async Task<bool> PostOnceAsync(DrillUser user, object ping, TimeSpan started, double at)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/locations")
            {
                Content = JsonContent.Create(new { deviceId = "drill", pings = new[] { ping } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                var code = ErrorCode(body);
                Count(at, started, ok: false, unavailable: (int)response.StatusCode == 503 && code == "UNAVAILABLE");
                Fail($"{(int)response.StatusCode} {code}", $"t={at:0.0}s POST /locations {(int)response.StatusCode} after {Took(started)}: {Truncate(body)}");
                return false;
            }

            var acknowledgedAt = Now;
            foreach (var e in JsonNode.Parse(body)!["data"]!["events"]!.AsArray())
            {
                user.Acknowledged.TryAdd(e!["id"]!.GetValue<string>(), acknowledgedAt);
            }

            Count(at, started, ok: true);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Count(at, started, ok: false);
            Fail(e.GetType().Name, $"t={at:0.0}s POST /locations after {Took(started)}: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    /// <summary>Seconds since the devices started sending.</summary>
    private double Now => (_clock.Elapsed - _sendingStarted).TotalSeconds;

    /// <summary>Counts a request in the second in which it was sent (as a client sees its attempts), with its latency.</summary>
    private void Count(double sentAt, TimeSpan started, bool ok, bool unavailable = false)
    {
        var ms = (_clock.Elapsed - started).TotalMilliseconds;
        _latencies.Add(ms);
        var slow = ms > SecondCounts.SlowMs ? 1 : 0;
        var failed = ok ? 0 : 1;
        var refused = unavailable ? 1 : 0;
        _seconds.AddOrUpdate((long)sentAt, t => new SecondCounts(t, 1 - failed, failed, refused, slow, Math.Round(ms)),
            (_, c) => new SecondCounts(c.T, c.Ok + 1 - failed, c.Failed + failed, c.Unavailable + refused, c.Slow + slow, Math.Max(c.MaxMs, Math.Round(ms))));
    }

    private void Fail(string kind, string description)
    {
        _failureKinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
        _failures.Enqueue(description);
    }

    private string Took(TimeSpan started) => $"{(_clock.Elapsed - started).TotalMilliseconds:0} ms";

    /// <summary>The error envelope's code (API.md: <c>{"success":false,"error":{"code":...}}</c>), or "" when the body is not one.</summary>
    private static string ErrorCode(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["error"]?["code"]?.GetValue<string>() ?? "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    /// <summary>Every stored transition of the user since the drill's device start.</summary>
    private async Task<List<StoredTransition>> StoredAsync(DrillUser user) => await ListAsync(user, DeviceStart);

    private async Task<List<StoredTransition>> ListAsync(DrillUser user, long from)
    {
        var all = new List<StoredTransition>();
        string? cursor = null;
        do
        {
            var path = $"/api/v1/activities?from={from}&limit=200" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
            using var response = await _http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var envelope = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            foreach (var e in envelope["data"]!.AsArray())
            {
                all.Add(new StoredTransition(e!["id"]!.GetValue<string>(), e["type"]!.GetValue<string>(), e["timestamp"]!.GetValue<long>()));
            }

            cursor = envelope["meta"]?["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return all;
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, string? token, object body)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                return JsonNode.Parse(text)!["data"]!;
            }

            if (attempt >= 5 || (int)response.StatusCode < 500)
            {
                throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}: {Truncate(text)}");
            }

            await Task.Delay(500);
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Reconnects at once, then every quarter second, then every second, for two minutes.</summary>
    private sealed class QuickRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext context) =>
            context.ElapsedTime > TimeSpan.FromMinutes(2) ? null
            : context.PreviousRetryCount switch { 0 => TimeSpan.Zero, < 5 => TimeSpan.FromMilliseconds(250), _ => TimeSpan.FromSeconds(1) };
    }
}
