using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Zones.Bench;

/// <summary>One wrk run: closed-model throughput (32 connections, as many requests as they can carry).</summary>
public sealed record WrkResult(string Target, string Mode, double RequestsPerSecond, double PingsPerSecond, long Non2xx, double P99Ms, string Raw);

/// <summary>
/// The fallback for throughput: wrk (C, a few microseconds per request) runs the same walk through wrk/pings.lua.
/// The .NET generator spends tens of microseconds of CPU per request; on a 2-core machine that it shares with the
/// node it measures it cannot offer the ceiling node its full rate, so the ceiling's throughput comes from here.
/// wrk is closed-model (latency under it is not the open-model latency); it runs last, after the correctness
/// checks, because its pings move the users' clocks and presence past what the generator tracks.
/// </summary>
public static partial class Wrk
{
    public static async Task<List<WrkResult>> RunAsync(IEnumerable<Target> targets, BenchUser[] users, BenchOptions options, long firstTimestamp)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "wrk", "pings.lua");
        var usersLua = Path.Combine(options.Out, "users.lua");
        var lua = new StringBuilder("return {\n");
        foreach (var u in users)
        {
            lua.Append(CultureInfo.InvariantCulture, $"{{t=\"{u.AccessToken}\",la={u.Saved.HomeLatitude:F7},lo={u.Saved.HomeLongitude:F7}}},\n");
        }

        await File.WriteAllTextAsync(usersLua, lua.Append("}\n").ToString());
        var results = new List<WrkResult>();
        foreach (var target in targets)
        {
            foreach (var (mode, per) in new[] { ("single", 1), ("batch", options.Batch) })
            {
                string[] common = ["-t2", "-c32", "-s", script, target.Url.ToString().TrimEnd('/'), "--", usersLua, per.ToString(CultureInfo.InvariantCulture),
                    firstTimestamp.ToString(CultureInfo.InvariantCulture)];
                await Run(["-d", $"{options.WarmupSeconds:F0}s", .. common]);
                var raw = await Run(["-d", $"{options.StepSeconds:F0}s", "--latency", .. common]);
                var rps = Number(RequestsRegex().Match(raw));
                var non2xx = (long)Number(Non2xxRegex().Match(raw));
                var p99 = P99Regex().Match(raw) is { Success: true } m
                    ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * (m.Groups[2].Value switch { "us" => 0.001, "s" => 1000, _ => 1 })
                    : 0;
                var result = new WrkResult(target.Name, mode, rps, rps * per, non2xx, p99, raw);
                Console.WriteLine($"= wrk {target.Name} {mode}: {rps:N0} req/s ({rps * per:N0} pings/s), p99 {p99:F1} ms, non-2xx {non2xx}");
                results.Add(result);
                // Every thread walks half the users at up to (rate / users) pings a second each; step the next
                // run's clock past all of it.
                firstTimestamp += (long)((rps * per / users.Length * (options.StepSeconds + options.WarmupSeconds) * 1_000) + 3_600_000);
            }
        }

        return results;
    }

    /// <summary>Past every timestamp the wrk runs can have used.</summary>
    public static long ClockAfter(List<WrkResult> results, long first, int users, BenchOptions options) =>
        first + results.Sum(r => (long)((r.PingsPerSecond / users * (options.StepSeconds + options.WarmupSeconds) * 1_000) + 3_600_000));

    private static async Task<string> Run(string[] args)
    {
        var start = new ProcessStartInfo("wrk", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new BenchException("could not start wrk");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await output + await error;
    }

    private static double Number(Match m) => m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsRegex();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+([0-9]+)")]
    private static partial Regex Non2xxRegex();

    [GeneratedRegex(@"\s99%\s+([0-9.]+)(us|ms|s)")]
    private static partial Regex P99Regex();
}
