using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zones.Bench;

/// <summary>The run's result: a table on stdout (and report.txt), report.json, and two charts.</summary>
public sealed class Report(BenchOptions options, List<Search> searches, List<Check> checks, long ambiguous, int uncertainUsers,
    List<WrkResult> wrk)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public bool AllClean => checks.All(c => c.Clean) && ambiguous == 0
        && searches.Where(s => s.Half is not null).All(s => s.Half!.Errors == 0);

    public void Print(TextWriter output) => output.Write(Text());

    public string Text()
    {
        var w = new StringWriter(Inv);
        w.WriteLine();
        w.WriteLine($"Zones bench: {options.Users} users x {options.Zones} zones, walk through a 200 m zone in 20 m steps (about 1 ping in 20 crosses), "
            + $"batch {options.Batch}, {options.Connections} connections, hub protocol {(options.MessagePack ? "messagepack" : "json")}");
        w.WriteLine($"held = p99 <= {options.P99BoundMs} ms (stream: ping->zoneEvent p99 <= {options.EventP99BoundMs} ms), no errors, >= 97% of the target done; "
            + $"steps of {options.StepSeconds} s after {options.WarmupSeconds} s warm-up; latency from the intended send time");
        w.WriteLine();
        w.WriteLine("Highest rate held, and the run at half of it (latency ms)");
        w.WriteLine($"{"mode",-7} {"target",-8} {"max held",12} {"pings/s",11} {"ratio",6} | {"half rate",10} {"p50",7} {"p90",7} {"p99",7} {"p99.9",7} {"max",7} {"errors",6} | {"event p50",9} {"p95",6} {"p99",6} {"max",6} {"n",6}");
        foreach (var s in searches)
        {
            var h = s.Half;
            var lat = h is null ? Percentiles.Empty : Percentiles.Of(h.Latency);
            var ev = h is null ? Percentiles.Empty : Percentiles.Of(h.EventLatency);
            var pps = s.MaxHeld * options.PingsPerSend(s.Mode);
            w.WriteLine(
                $"{s.Mode.ToString().ToLowerInvariant(),-7} {s.Target,-8} {s.MaxHeld,12:N0} {pps,11:N0} {Ratio(s, x => x.MaxHeld),6} | "
                + (h is null ? $"{"-",10}" : $"{h.Rate,10:N0} {lat.P50,7:F2} {lat.P90,7:F2} {lat.P99,7:F2} {lat.P999,7:F2} {lat.Max,7:F1} {h.Errors,6}")
                + (ev.Count > 0 ? $" | {ev.P50,9:F1} {ev.P95,6:F1} {ev.P99,6:F1} {ev.Max,6:F1} {ev.Count,6}" : string.Empty));
        }

        w.WriteLine($"({BenchOptions.Unit(Mode.Single)} for single and batch, {BenchOptions.Unit(Mode.Stream)} for stream, {BenchOptions.Unit(Mode.Send)} for send; "
            + "ratio = Zones / ceiling; stream latency = hand-off to the connection; event = crossing ping's intended send time to its zoneEvent at a listener)");
        w.WriteLine();
        if (wrk.Count > 0)
        {
            w.WriteLine("wrk, closed model (-t2 -c32: as fast as 32 connections go; throughput only, latency not open-model)");
            w.WriteLine($"{"mode",-7} {"target",-8} {"req/s",10} {"pings/s",11} {"p99 ms",8} {"non-2xx",8} {"ratio",6}");
            foreach (var r in wrk)
            {
                var c = wrk.FirstOrDefault(x => x.Target == "ceiling" && x.Mode == r.Mode);
                var ratio = r.Target == "zones" && c is { RequestsPerSecond: > 0 } ? (r.RequestsPerSecond / c.RequestsPerSecond).ToString("P0", Inv).Replace(" ", "", StringComparison.Ordinal) : "";
                w.WriteLine($"{r.Mode,-7} {r.Target,-8} {r.RequestsPerSecond,10:N0} {r.PingsPerSecond,11:N0} {r.P99Ms,8:F1} {r.Non2xx,8} {ratio,6}");
            }

            w.WriteLine();
        }

        w.WriteLine("CPU (cores) and memory (PSS MiB) during the run at half rate");
        var names = searches.SelectMany(s => s.Half?.Usage ?? []).Select(u => u.Process).Distinct().ToList();
        w.WriteLine($"{"mode",-7} {"target",-8} " + string.Join(" ", names.Select(n => $"{n,16}")) + $" {"CPU us/ping",12}");
        foreach (var s in searches.Where(s => s.Half is not null))
        {
            var usage = s.Half!.Usage;
            var serverCpu = usage.Where(u => s.Target == "ceiling" ? u.Process == "ceiling" : u.Process is not ("generator" or "ceiling"))
                .Sum(u => u.CpuSeconds);
            var perPing = s.Half.Pings > 0 ? serverCpu / s.Half.Pings * 1e6 : 0;
            w.WriteLine($"{s.Mode.ToString().ToLowerInvariant(),-7} {s.Target,-8} "
                + string.Join(" ", names.Select(n => usage.FirstOrDefault(u => u.Process == n) is { } u ? $"{u.Cores,6:F2} {u.MemoryMiB,7:N0} MiB" : $"{"-",16}"))
                + $" {perPing,12:F1}");
        }

        w.WriteLine("(CPU us/ping: the target's processes (Zones: Api, silos, PostgreSQL, Redis; ceiling: its node) per ping sent)");
        w.WriteLine();
        w.WriteLine("Correctness (transitions expected from the generator's geometry, after the reset fix)");
        w.WriteLine($"{"source",-20} {"expected",9} {"seen",9} {"missing",8} {"extra",8} {"dupl.",8}  note");
        foreach (var c in checks)
        {
            w.WriteLine($"{c.Source,-20} {c.Expected,9:N0} {c.Seen,9:N0} {c.Missing,8:N0} {c.Extra,8:N0} {c.Duplicated,8:N0}  {c.Note}");
        }

        w.WriteLine($"ambiguous fixes (within 2 m of a threshold): {ambiguous}; users excluded after a failed request: {uncertainUsers}");
        w.WriteLine();
        w.WriteLine("Steps");
        foreach (var s in searches)
        {
            foreach (var p in s.Steps.Append(s.Half).OfType<PhaseStats>())
            {
                var lat = Percentiles.Of(p.Latency);
                w.WriteLine($"  {p.Mode,-6} {p.Target,-8} {p.Kind,-5} {p.Rate,10:N0}/s done {p.Achieved,10:N0}/s p50 {lat.P50,7:F2} p99 {lat.P99,8:F2} max {lat.Max,8:F1} ms "
                    + (p.Held ? "held" : "not held: " + p.Verdict));
            }
        }

        w.WriteLine(Summary());
        return w.ToString();
    }

    /// <summary>One line with every headline figure, for logs and scripts.</summary>
    public string Summary() => "SUMMARY " + string.Join(" ", searches.Select(s =>
        string.Create(Inv, $"{s.Target}_{s.Mode.ToString().ToLowerInvariant()}={s.MaxHeld:F0}"))) + " "
        + string.Join(string.Empty, wrk.Select(r => string.Create(Inv, $"wrk_{r.Target}_{r.Mode}={r.RequestsPerSecond:F0} ")))
        + string.Join(" ", searches.Where(s => s.Target == "zones").Select(s => $"ratio_{s.Mode.ToString().ToLowerInvariant()}={Ratio(s, x => x.MaxHeld).Trim()}"))
        + $" correctness={(AllClean ? "clean" : "NOT-CLEAN")}";

    private string Ratio(Search s, Func<Search, double> figure)
    {
        if (s.Target != "zones")
        {
            return "";
        }

        var c = searches.FirstOrDefault(x => x.Target == "ceiling" && x.Mode == s.Mode);
        return c is null || figure(c) == 0 ? "-" : (figure(s) / figure(c)).ToString("P0", Inv).Replace(" ", "", StringComparison.Ordinal);
    }

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.txt"), Text());
        var json = new
        {
            options = new
            {
                api = options.Api.ToString(),
                options.Users,
                options.Zones,
                modes = options.Modes.Select(m => m.ToString().ToLowerInvariant()),
                options.Batch,
                options.Connections,
                options.Listeners,
                hubProtocol = options.MessagePack ? "messagepack" : "json",
                options.P99BoundMs,
                options.EventP99BoundMs,
                options.WarmupSeconds,
                options.StepSeconds,
                options.MeasureSeconds,
                options.StepFactor,
            },
            searches = searches.Select(s => new
            {
                s.Target,
                mode = s.Mode.ToString().ToLowerInvariant(),
                unit = BenchOptions.Unit(s.Mode),
                maxHeld = s.MaxHeld,
                maxHeldPings = s.MaxHeld * options.PingsPerSend(s.Mode),
                ratioToCeiling = Ratio(s, x => x.MaxHeld),
                steps = s.Steps.Select(Phase),
                half = s.Half is null ? null : Phase(s.Half),
            }),
            checks,
            wrk = wrk.Select(r => new { r.Target, r.Mode, r.RequestsPerSecond, r.PingsPerSecond, r.P99Ms, r.Non2xx }),
            ambiguous,
            uncertainUsers,
            clean = AllClean,
            summary = Summary(),
        };
        File.WriteAllText(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(json, JsonOptions));
        Charts.Write(folder, searches, options);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private static object Phase(PhaseStats p) => new
    {
        p.Kind,
        targetRate = p.Rate,
        achieved = p.Achieved,
        pingsPerSecond = p.PingsPerSecond,
        p.Sent,
        p.Completed,
        p.Errors,
        errorKinds = p.ErrorKinds,
        p.Unsent,
        p.Ignored,
        p.AnswerMissing,
        p.AnswerExtra,
        latencyMs = Percentiles.Of(p.Latency),
        eventLatencyMs = Percentiles.Of(p.EventLatency),
        usage = p.Usage,
        p.Held,
        p.Verdict,
    };
}
