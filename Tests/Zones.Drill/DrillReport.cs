using System.Collections.Concurrent;
using System.Text.Json;

namespace Zones.Drill;

/// <summary>The drill's figures. Lost: acknowledged but not stored. Duplicated: one transition (type and ping
/// time) stored twice. Unacknowledged: stored without a 200 having said so. Missed on the hub: acknowledged
/// but neither pushed live nor read back by a catch-up.</summary>
public sealed record DrillReport(
    int Users,
    double SendingSeconds,
    long Requests,
    long Failed,
    double LowestSuccessPerSecond,
    int SecondsWithFailures,
    double P99LatencyMs,
    double MaxLatencyMs,
    long Acknowledged,
    long Stored,
    long Lost,
    long Duplicated,
    long Unacknowledged,
    int HubDisconnects,
    int HubReconnects,
    double MaxReconnectSeconds,
    int HubClosedForGood,
    long MissedOnHub,
    long CaughtUpAfterReconnect,
    IReadOnlyList<string> FirstFailures,
    long MaxFailed,
    double MaxReconnectSecondsAllowed,
    bool UnacknowledgedAllowed)
{
    public bool Clean => Failed <= MaxFailed && Lost == 0 && Duplicated == 0 && (Unacknowledged == 0 || UnacknowledgedAllowed)
        && HubClosedForGood == 0
        && MissedOnHub == 0 && MaxReconnectSeconds <= MaxReconnectSecondsAllowed;

    public static DrillReport From(DrillUser[] users, Dictionary<int, List<(string Id, string Key)>> stored,
        ConcurrentDictionary<long, (int Ok, int Failed)> seconds, ConcurrentBag<double> latencies, ConcurrentQueue<string> failures,
        ConcurrentBag<double> reconnectGaps, int disconnects, int closed, double sendingSeconds, DrillOptions options)
    {
        long acknowledged = 0, storedCount = 0, lost = 0, duplicated = 0, unacknowledged = 0, missed = 0, caughtUp = 0;
        foreach (var user in users)
        {
            var rows = stored[user.Index];
            var ids = rows.Select(r => r.Id).ToHashSet();
            acknowledged += user.Acknowledged.Count;
            storedCount += rows.Count;
            lost += user.Acknowledged.Keys.Count(id => !ids.Contains(id));
            duplicated += rows.GroupBy(r => r.Key).Sum(g => g.Count() - 1);
            unacknowledged += ids.Count(id => !user.Acknowledged.ContainsKey(id));
            missed += user.Acknowledged.Keys.Count(id => !user.Live.ContainsKey(id) && !user.CaughtUp.ContainsKey(id));
            caughtUp += user.CaughtUp.Keys.Count(id => !user.Live.ContainsKey(id));
        }

        var sorted = latencies.Order().ToArray();
        var failed = seconds.Values.Sum(c => (long)c.Failed);
        return new DrillReport(
            users.Length,
            Math.Round(sendingSeconds, 1),
            seconds.Values.Sum(c => (long)c.Ok + c.Failed),
            failed,
            seconds.IsEmpty ? 1 : Math.Round(seconds.Values.Min(c => (double)c.Ok / Math.Max(1, c.Ok + c.Failed)), 4),
            seconds.Values.Count(c => c.Failed > 0),
            sorted.Length == 0 ? 0 : Math.Round(sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(sorted.Length * 0.99) - 1)], 1),
            sorted.Length == 0 ? 0 : Math.Round(sorted[^1], 1),
            acknowledged, storedCount, lost, duplicated, unacknowledged,
            disconnects, reconnectGaps.Count,
            reconnectGaps.IsEmpty ? 0 : Math.Round(reconnectGaps.Max(), 2),
            closed, missed, caughtUp,
            failures.Take(10).ToList(),
            options.MaxFailed,
            options.MaxReconnectSeconds,
            options.AllowUnacknowledged);
    }

    public void Print(TextWriter output)
    {
        output.WriteLine($"""
            drill: {Users} users, {SendingSeconds} s of pings
              requests        {Requests}, failed {Failed} ({(Requests == 0 ? 0 : 100.0 * Failed / Requests):0.###}%), seconds with a failure {SecondsWithFailures}, lowest success in a second {LowestSuccessPerSecond:P2}
              latency         p99 {P99LatencyMs} ms, max {MaxLatencyMs} ms
              transitions     acknowledged {Acknowledged}, stored {Stored}: lost {Lost}, duplicated {Duplicated}, stored unacknowledged {Unacknowledged}
              hub             disconnects {HubDisconnects}, reconnects {HubReconnects} (slowest {MaxReconnectSeconds} s), closed for good {HubClosedForGood}
              hub delivery    missed {MissedOnHub} (neither pushed nor caught up), caught up by GET /activities?from= after a reconnect {CaughtUpAfterReconnect}
              result          {(Clean ? "CLEAN" : "NOT CLEAN")} (allowed: {MaxFailed} failed requests, hub reconnects within {MaxReconnectSecondsAllowed} s; 0 lost, duplicated, missed{(UnacknowledgedAllowed ? "" : ", unacknowledged")})
            """);
        foreach (var failure in FirstFailures)
        {
            output.WriteLine($"  failure: {failure}");
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });
}
