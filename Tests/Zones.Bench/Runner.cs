using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.SignalR.Client;

namespace Zones.Bench;

/// <summary>The result of one (target, mode): its steps, the highest rate held, and the run at half of it.</summary>
public sealed record Search(string Target, Mode Mode, List<PhaseStats> Steps, double MaxHeld, PhaseStats? Half);

/// <summary>Seeds, resets, listens, runs every mode against Zones and the ceiling, checks, reports.</summary>
public sealed class Runner(BenchOptions options) : IAsyncDisposable
{
    private readonly Seeder seeder = new(options);
    private readonly List<HubConnection> listeners = [];
    private Process? ceilingProcess;
    private BenchUser[] users = [];
    private Target zones = null!;
    private Target? ceiling;
    private Ledger ledger = null!;
    private ProcessMeter meter = null!;
    private long resetTimestamp;

    public async Task<int> RunAsync()
    {
        Directory.CreateDirectory(options.Out);
        (users, resetTimestamp) = await seeder.LoadOrSeedAsync();
        zones = new Target("zones", options.Api, users, evaluates: true, resetTimestamp);
        await ResetAsync();

        var step = Math.Max(1, users.Length / Math.Max(1, options.Listeners));
        var listening = Enumerable.Range(0, Math.Min(options.Listeners, users.Length)).Select(i => i * step).Where(i => i < users.Length).ToHashSet();
        ledger = new Ledger(zones, listening);
        await ConnectListenersAsync();

        var processes = options.Processes.ToList();
        processes.Add(("generator", Environment.ProcessId));
        var ceilingUrl = await StartCeilingAsync();
        if (ceilingProcess is not null)
        {
            processes.Add(("ceiling", ceilingProcess.Id));
        }

        if (ceilingUrl is not null)
        {
            ceiling = new Target("ceiling", ceilingUrl, users, evaluates: false, resetTimestamp);
        }

        meter = new ProcessMeter(processes);
        var searches = new List<Search>();
        try
        {
            foreach (var mode in options.Modes)
            {
                foreach (var target in new[] { zones, ceiling }.OfType<Target>().Where(t => options.Targets.Contains(t.Name)))
                {
                    await KeepTokensFreshAsync();
                    searches.Add(await SearchAsync(target, mode));
                    await seeder.SaveAsync(users, zones.Clock);
                }
            }
        }
        finally
        {
            await seeder.SaveAsync(users, zones.Clock);
        }

        Console.WriteLine("correctness: waiting for the last events, reading stored activities ...");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var zonePhases = searches.Where(s => s.Target == "zones").SelectMany(All).ToList();
        var expected = zones.Tracks.Sum(t => (long)t.Expected.Count);
        var (missing, extra) = (zonePhases.Sum(p => p.AnswerMissing), zonePhases.Sum(p => p.AnswerExtra));
        var checks = new List<Check>
        {
            new("answers", expected, expected - missing + extra, missing, extra, 0, "events in the answers (requests, SendLocations)"),
        };
        if (listening.Count > 0)
        {
            checks.Add(ledger.HubCheck());
        }

        checks.Add(await ledger.StoredCheckAsync(options.Postgres, resetTimestamp));
        var ambiguous = zones.Tracks.Sum(t => t.Walker.Ambiguous);
        List<WrkResult> wrk = [];
        if (options.Wrk)
        {
            Console.WriteLine("wrk: closed-model throughput (after the checks: its pings are not tracked) ...");
            var first = zones.Clock + 3_600_000;
            wrk = await Wrk.RunAsync(new[] { zones, ceiling }.OfType<Target>().Where(t => options.Targets.Contains(t.Name)), users, options, first);
            await seeder.SaveAsync(users, Wrk.ClockAfter(wrk, first, users.Length, options));
        }

        var report = new Report(options, searches, checks, ambiguous, zones.Tracks.Count(t => t.Uncertain), wrk);
        report.Print(Console.Out);
        report.Save(options.Out);
        Console.WriteLine($"report: {Path.GetFullPath(options.Out)} (report.json, report.txt, chart.png)");
        return report.AllClean ? 0 : 1;
    }

    private static IEnumerable<PhaseStats> All(Search s) => s.Half is null ? s.Steps : s.Steps.Append(s.Half);

    /// <summary>One fix per user far outside its zones, before anything is counted: whatever the server believed
    /// about a reused user, it now agrees with the generator (any exit this causes is before the checked window).</summary>
    private async Task ResetAsync()
    {
        Console.WriteLine($"reset: one fix per user outside every zone at {DateTimeOffset.FromUnixTimeMilliseconds(resetTimestamp):u} (device clock)");
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Length), new ParallelOptions { MaxDegreeOfParallelism = options.SeedParallelism },
            async (i, ct) => await seeder.PostPingAsync(users[i], zones.Tracks[i].Walker.Here(), ct));
    }

    private async Task ConnectListenersAsync()
    {
        await Hub.CloseAllAsync(listeners);
        listeners.Clear();
        var chosen = ledger.Listening.Order().ToArray();
        var connections = await Hub.ConnectManyAsync(options.Api, chosen.Select(i => users[i].AccessToken).ToArray(), options.MessagePack,
            TimeSpan.FromSeconds(15));
        for (var k = 0; k < chosen.Length; k++)
        {
            var user = chosen[k];
            connections[k].On<object>("zoneEvent", e =>
            {
                if (AnswerReader.FromHub(e) is { } seen)
                {
                    ledger.OnHubEvent(user, seen);
                }
            });
        }

        listeners.AddRange(connections);
        Console.WriteLine($"listeners: {connections.Length} users connected to /hubs/zones ({(options.MessagePack ? "messagepack" : "json")})");
    }

    /// <summary>Access tokens live 15 minutes and the hub closes a connection when its token expires: refresh
    /// every token (and reconnect the listeners) between searches once they are 8 minutes old.</summary>
    private async Task KeepTokensFreshAsync()
    {
        if (DateTime.UtcNow - seeder.TokensAt < TimeSpan.FromMinutes(8))
        {
            return;
        }

        Console.WriteLine("tokens: refreshing every access token and reconnecting the listeners");
        await seeder.RefreshTokensAsync(users);
        zones.RebuildPrefixes();
        ceiling?.RebuildPrefixes();
        await ConnectListenersAsync();
        await seeder.SaveAsync(users, zones.Clock);
    }

    private async Task<Search> SearchAsync(Target target, Mode mode)
    {
        HubConnection[] devices = [];
        HttpLoad? http = null;
        try
        {
            if (mode is Mode.Stream or Mode.Send)
            {
                Console.WriteLine($"{target.Name} {mode}: connecting {users.Length} devices to the hub ...");
                devices = await Hub.ConnectManyAsync(target.Url, users.Select(u => u.AccessToken).ToArray(), options.MessagePack, TimeSpan.FromSeconds(15));
            }
            else
            {
                http = new HttpLoad(target, target.Evaluates ? ledger : null, options);
            }

            var hub = new HubLoad(target, target.Evaluates ? ledger : null, options, devices);
            var steps = new List<PhaseStats>();
            if (options.FixedRate is { } fixedRate)
            {
                var only = await PhaseAsync(target, mode, http, hub, fixedRate, "fixed", options.MeasureSeconds, 3 * options.WarmupSeconds);
                return new Search(target.Name, mode, steps, only.Held ? fixedRate : 0, only);
            }

            Console.WriteLine($"{target.Name} {mode}: step search from {options.StartRateFor(mode):N0} {BenchOptions.Unit(mode)}, x{options.StepFactor} per step, "
                + $"held = p99 <= {options.P99BoundMs} ms, no errors, >= 97% of the target done");
            var rate = options.StartRateFor(mode);
            double best = 0;
            for (var i = 0; i < options.MaxSteps && rate <= options.MaxRate; i++)
            {
                // The first step of a search also warms the code paths of this mode up (JIT, connections, grains):
                // three warm-ups, so a cold start does not send the search down.
                var phase = await PhaseAsync(target, mode, http, hub, rate, "step", options.StepSeconds, i == 0 ? 3 * options.WarmupSeconds : options.WarmupSeconds);
                steps.Add(phase);
                if (phase.Held)
                {
                    best = Math.Max(best, rate);
                    rate *= options.StepFactor;
                }
                else if (best == 0 && rate > 20)
                {
                    // Not even the start rate held: go down until something does.
                    rate /= options.StepFactor * options.StepFactor;
                }
                else
                {
                    break;
                }
            }

            PhaseStats? half = null;
            if (best > 0)
            {
                half = await PhaseAsync(target, mode, http, hub, Math.Round(best / 2), "half", options.MeasureSeconds, options.WarmupSeconds);
            }

            return new Search(target.Name, mode, steps, best, half);
        }
        finally
        {
            http?.Dispose();
            await Hub.CloseAllAsync(devices);
        }
    }

    private async Task<PhaseStats> PhaseAsync(Target target, Mode mode, HttpLoad? http, HubLoad hub, double rate, string kind, double seconds,
        double warmup)
    {
        var phase = new PhaseStats(target.Name, mode.ToString().ToLowerInvariant(), kind, rate, options.PingsPerSend(mode));
        OpenLoop.Plan(phase, warmup, seconds);
        var sampling = Task.Run(async () =>
        {
            await Task.Delay(Remaining(phase.MeasureFrom));
            var before = meter.Take();
            await Task.Delay(Remaining(phase.MeasureUntil));
            return (before, after: meter.Take());
        });

        var run = mode switch
        {
            Mode.Single or Mode.Batch => http!.RunAsync(phase, warmup),
            Mode.Send => hub.RunSendAsync(phase, warmup),
            _ => hub.RunStreamAsync(phase, warmup),
        };
        await run;
        var (b, a) = await sampling;
        phase.Usage.AddRange(meter.Between(b, a));
        if (target.Evaluates && ledger.Listening.Count > 0)
        {
            await ledger.DrainAsync(phase, TimeSpan.FromSeconds(5));
        }

        Judge(phase, mode);
        var lat = Percentiles.Of(phase.Latency);
        var ev = Percentiles.Of(phase.EventLatency);
        Console.WriteLine(
            $"= {phase.Target} {phase.Mode} {kind} {rate:N0}/s: done {phase.Achieved:N0}/s ({phase.PingsPerSecond:N0} pings/s), "
            + $"p50 {lat.P50:F2} p99 {lat.P99:F2} max {lat.Max:F1} ms"
            + (ev.Count > 0 ? $", ping->zoneEvent p99 {ev.P99:F1} ms ({ev.Count})" : string.Empty)
            + $", errors {phase.Errors}: {(phase.Held ? "HELD" : "not held: " + phase.Verdict)}");
        return phase;
    }

    private void Judge(PhaseStats phase, Mode mode)
    {
        var reasons = new List<string>();
        var lat = Percentiles.Of(phase.Latency);
        var ev = Percentiles.Of(phase.EventLatency);
        if (phase.Errors > 0)
        {
            reasons.Add($"{phase.Errors} errors ({string.Join(", ", phase.ErrorKinds.Select(kv => $"{kv.Key} x{kv.Value}"))})");
        }

        if (phase.Unsent > 0)
        {
            reasons.Add($"{phase.Unsent} sends still queued at the end");
        }

        if (phase.Completed < 0.97 * phase.Rate * phase.MeasuredSeconds)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"done {phase.Achieved:N0}/s < 97% of target"));
        }

        if (lat.P99 > options.P99BoundMs)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"p99 {lat.P99:F2} ms > {options.P99BoundMs} ms"));
        }

        if (mode == Mode.Stream && ev.Count > 0 && ev.P99 > options.EventP99BoundMs)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"ping->zoneEvent p99 {ev.P99:F1} ms > {options.EventP99BoundMs} ms"));
        }

        if (phase.Ignored > 0)
        {
            reasons.Add($"{phase.Ignored} pings ignored");
        }

        if (phase.AnswerMissing + phase.AnswerExtra > 0)
        {
            reasons.Add($"answer events: {phase.AnswerMissing} missing, {phase.AnswerExtra} extra");
        }

        phase.Held = reasons.Count == 0;
        phase.Verdict = string.Join("; ", reasons);
    }

    private static TimeSpan Remaining(long at) =>
        TimeSpan.FromSeconds(Math.Max(0, (at - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));

    /// <summary>Starts the ceiling node from --ceiling-dll on a free loopback port, or uses --ceiling-url.</summary>
    private async Task<Uri?> StartCeilingAsync()
    {
        if (options.CeilingUrl is { } given)
        {
            return given;
        }

        if (options.CeilingDll is null)
        {
            Console.WriteLine("ceiling: none (--no-ceiling): no ratios in the report");
            return null;
        }

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var url = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet", [options.CeilingDll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ASPNETCORE_URLS"] = url.ToString(), ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        ceilingProcess = Process.Start(start) ?? throw new BenchException("could not start the ceiling node");
        ceilingProcess.OutputDataReceived += (_, _) => { };
        ceilingProcess.ErrorDataReceived += (_, _) => { };
        ceilingProcess.BeginOutputReadLine();
        ceilingProcess.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if ((await http.GetAsync(new Uri(url, "/health/ready"))).IsSuccessStatusCode)
                {
                    Console.WriteLine($"ceiling: {options.CeilingDll} at {url} (pid {ceilingProcess.Id})");
                    return url;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new BenchException("the ceiling node did not answer /health/ready within 20 s");
    }

    public async ValueTask DisposeAsync()
    {
        await Hub.CloseAllAsync(listeners);
        if (ceilingProcess is { HasExited: false })
        {
            ceilingProcess.Kill(entireProcessTree: true);
            await ceilingProcess.WaitForExitAsync();
        }

        ceilingProcess?.Dispose();
        seeder.Dispose();
    }
}
