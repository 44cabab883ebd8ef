using System.Globalization;

namespace Zones.LoadTest;

/// <summary>The printed table and the one-line summary.</summary>
public static class LoadReport
{
    public static void Print(LoadOptions options, LoadResult r, TextWriter output)
    {
        var seconds = Math.Max(r.Elapsed.TotalSeconds, 1e-9);
        string N(double value, string format = "N1") => value.ToString(format, CultureInfo.InvariantCulture);
        double P(double q) => r.LatenciesMs.Length == 0 ? 0 : r.LatenciesMs[Math.Min(r.LatenciesMs.Length - 1, (int)Math.Ceiling(q * r.LatenciesMs.Length) - 1)];
        var max = r.LatenciesMs.Length == 0 ? 0 : r.LatenciesMs[^1];

        var rows = new (string Name, string Value)[]
        {
            ("elapsed s", N(seconds, "N2")),
            ("requests", N(r.Requests, "N0")),
            ("requests/s", N(r.Requests / seconds)),
            ("pings/s", N(r.PingsSent / seconds)),
            ("events/s", N(r.Events / seconds)),
            ("latency p50 ms", N(P(0.50), "N2")),
            ("latency p90 ms", N(P(0.90), "N2")),
            ("latency p99 ms", N(P(0.99), "N2")),
            ("latency max ms", N(max, "N2")),
            ("pings accepted", N(r.Accepted, "N0")),
            ("pings ignored", N(r.Ignored, "N0")),
            ("crossing pings sent", N(r.Crossings, "N0")),
            ("events received", N(r.Events, "N0")),
            ("clamped batches", N(r.ClampedBatches, "N0")),
            ("failed requests", N(r.Failed, "N0")),
        };

        output.WriteLine();
        output.WriteLine($"{"metric",-22}{"value",14}");
        foreach (var (name, value) in rows)
        {
            output.WriteLine($"{name,-22}{value,14}");
        }

        output.WriteLine();
        output.WriteLine("errors by status:" + (r.Errors.Count == 0
            ? " none"
            : string.Concat(r.Errors.OrderByDescending(e => e.Value).Select(e => $" {e.Key}={e.Value}"))));

        // Crossings include those sent in failed requests and the tail still in flight, so the two differ slightly.
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SUMMARY users={options.Users} zones/user={options.ZonesPerUser} concurrency={options.Concurrency} batch={options.Batch} "
            + $"crossing={options.CrossingRatio} | {r.Requests / seconds:F1} req/s {r.PingsSent / seconds:F0} pings/s {r.Events / seconds:F1} events/s "
            + $"| p50 {P(0.50):F1} p90 {P(0.90):F1} p99 {P(0.99):F1} max {max:F1} ms | errors {r.Failed}/{r.Requests}"));
    }
}
