using System.Collections.Concurrent;
using System.Text.Json;

namespace Zones.Drill;

/// <summary>The drill's figures. Lost: acknowledged but not stored. Duplicated: one transition (type and ping
/// time) stored twice. Unacknowledged: stored without a 200 having said so. Missed on the hub: acknowledged
/// but neither pushed live nor read back by a catch-up (a transition acknowledged while Redis was down, and until the first
/// live push after it returned, is counted apart as not pushed while Redis was down). Failed excludes Refused: the 503
/// UNAVAILABLE answers while PostgreSQL was down (a crossing cannot be acknowledged without storage; the device resends it).
/// Abandoned: pings still not accepted after 60 s of resending.</summary>
public sealed record DrillReport(
    int Users,
    double SendingSeconds,
    long Requests,
    long Failed,
    long Refused,
    int Abandoned,
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
    IReadOnlyList<double> MissedOnHubAcknowledgedAt,
    long NotPushedWhileRedisDown,
    IReadOnlyList<double?> LiveDeliveryResumedAfterSeconds,
    long CaughtUpAfterReconnect,
    IReadOnlyList<FaultReport> Faults,
    IReadOnlyList<SecondCounts> PerSecond,
    IReadOnlyList<string> FirstFailures,
    IReadOnlyDictionary<string, int> FailuresByKind,
    long MaxFailed,
    double MaxReconnectSecondsAllowed,
    bool UnacknowledgedAllowed)
{
    public bool Clean => (MaxFailed < 0 || Failed <= MaxFailed) && Abandoned == 0 && Lost == 0 && Duplicated == 0 && (Unacknowledged == 0 || UnacknowledgedAllowed)
        && HubClosedForGood == 0
        && MissedOnHub == 0 && MaxReconnectSeconds <= MaxReconnectSecondsAllowed
        && Faults.All(f => !f.RecoveryExpected || f.RecoveredAfterSeconds is not null);

    public static DrillReport From(DrillUser[] users, Dictionary<int, List<(string Id, string Key)>> stored,
        Dictionary<long, SecondCounts> seconds, FaultTimeline timeline, ConcurrentBag<double> latencies, ConcurrentQueue<string> failures,
        ConcurrentDictionary<string, int> failureKinds,
        ConcurrentBag<double> reconnectGaps, int disconnects, int closed, int abandoned, double sendingSeconds, DrillOptions options)
    {
        long acknowledged = 0, storedCount = 0, lost = 0, duplicated = 0, unacknowledged = 0, missed = 0, notPushed = 0, caughtUp = 0;
        var missedAt = new List<double>();
        // Live delivery needs Redis: from each stop-redis until the first transition acknowledged after start-redis that was
        // pushed live, a transition that was not pushed is not held against the hub.
        var pushedAt = users.SelectMany(u => u.Acknowledged.Where(a => u.Live.ContainsKey(a.Key)).Select(a => a.Value)).Order().ToList();
        var resumed = timeline.RedisDown.Select(w => pushedAt.Where(t => t >= w.Until).Cast<double?>().FirstOrDefault()).ToList();
        var redisWindows = timeline.RedisDown.Select((w, i) => (w.From, Until: resumed[i] ?? w.Until)).ToList();
        foreach (var user in users)
        {
            var rows = stored[user.Index];
            var ids = rows.Select(r => r.Id).ToHashSet();
            acknowledged += user.Acknowledged.Count;
            storedCount += rows.Count;
            lost += user.Acknowledged.Keys.Count(id => !ids.Contains(id));
            duplicated += rows.GroupBy(r => r.Key).Sum(g => g.Count() - 1);
            unacknowledged += ids.Count(id => !user.Acknowledged.ContainsKey(id));
            foreach (var (id, at) in user.Acknowledged.Where(a => !user.Live.ContainsKey(a.Key) && !user.CaughtUp.ContainsKey(a.Key)))
            {
                if (redisWindows.Any(w => at >= w.From && at < w.Until))
                {
                    notPushed++;
                }
                else
                {
                    missed++;
                    missedAt.Add(Math.Round(at, 1));
                }
            }

            caughtUp += user.CaughtUp.Keys.Count(id => !user.Live.ContainsKey(id));
        }

        var sorted = latencies.Order().ToArray();
        var refused = timeline.Faults.Sum(f => (long)f.Refused);
        var failed = seconds.Values.Sum(c => (long)c.Failed) - refused;
        return new DrillReport(
            users.Length,
            Math.Round(sendingSeconds, 1),
            seconds.Values.Sum(c => (long)c.Ok + c.Failed),
            failed,
            refused,
            abandoned,
            seconds.Count == 0 ? 1 : Math.Round(seconds.Values.Min(c => c.Success), 4),
            seconds.Values.Count(c => c.Failed > 0),
            sorted.Length == 0 ? 0 : Math.Round(sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(sorted.Length * 0.99) - 1)], 1),
            sorted.Length == 0 ? 0 : Math.Round(sorted[^1], 1),
            acknowledged, storedCount, lost, duplicated, unacknowledged,
            disconnects, reconnectGaps.Count,
            reconnectGaps.IsEmpty ? 0 : Math.Round(reconnectGaps.Max(), 2),
            closed, missed, missedAt.Order().Take(20).ToList(), notPushed,
            resumed.Select((t, i) => t is { } r ? Math.Round(r - timeline.RedisDown[i].Until, 2) : (double?)null).ToList(),
            caughtUp,
            timeline.Faults,
            seconds.Values.OrderBy(c => c.T).ToList(),
            failures.Take(10).ToList(),
            new SortedDictionary<string, int>(failureKinds),
            options.MaxFailed,
            options.MaxReconnectSeconds,
            options.AllowUnacknowledged);
    }

    public void Print(TextWriter output)
    {
        output.WriteLine($"""
            drill: {Users} users, {SendingSeconds} s of pings
              requests        {Requests}, failed {Failed} ({(Requests == 0 ? 0 : 100.0 * Failed / Requests):0.###}%), refused while PostgreSQL was down {Refused} (503 UNAVAILABLE, resent), given up {Abandoned}
                              seconds with a failure {SecondsWithFailures}, lowest success in a second {LowestSuccessPerSecond:P2}
                              answers by kind: {(FailuresByKind.Count == 0 ? "none" : string.Join(", ", FailuresByKind.Select(k => $"{k.Key} {k.Value}")))}
              latency         p99 {P99LatencyMs} ms, max {MaxLatencyMs} ms
              transitions     acknowledged {Acknowledged}, stored {Stored}: lost {Lost}, duplicated {Duplicated}, stored unacknowledged {Unacknowledged}
              hub             disconnects {HubDisconnects}, reconnects {HubReconnects} (slowest {MaxReconnectSeconds} s), closed for good {HubClosedForGood}
              hub delivery    missed {MissedOnHub} (neither pushed nor caught up{(MissedOnHub == 0 ? "" : $"; acknowledged at t={string.Join(", ", MissedOnHubAcknowledgedAt)} s")}), caught up by GET /activities?from= after a reconnect {CaughtUpAfterReconnect}
            """);
        if (LiveDeliveryResumedAfterSeconds.Count > 0)
        {
            output.WriteLine($"  Redis outage    not pushed while Redis was down {NotPushedWhileRedisDown}; live delivery resumed "
                + string.Join(", ", LiveDeliveryResumedAfterSeconds.Select(r => r is { } s ? $"{s} s after start-redis" : "never")));
        }

        output.WriteLine("  success per second (█ >= 99%, ▆ >= 90%, ▄ >= 50%, ▂ > 0%, _ none ok, blank: nothing completed; digits: faults)");
        output.WriteLine(FaultTimeline.Sparkline(PerSecond.ToDictionary(c => c.T), Faults, SendingSeconds));
        for (var i = 0; i < Faults.Count; i++)
        {
            var f = Faults[i];
            var recovered = f.RecoveredAfterSeconds is { } r ? $"{r:0.#} s" : f.RecoveryExpected ? "NOT before the next fault" : "not expected (outage)";
            var ready = f.ReadyAfterSeconds is { } ready1 ? $", ready after {ready1:0.#} s" : "";
            output.WriteLine($"  fault {(i < 9 ? (char)('1' + i) : (char)('a' + i - 9))} t={f.AtSeconds,6:0.0}s {f.Name,-16} recovered (>= 99%/s) after {recovered}{ready}; "
                + $"failed {f.Failed}, refused {f.Refused}, over 2 s {f.Slow} (slowest {f.SlowestMs:0} ms), lowest second {f.LowestSecondSuccess:P1}");
        }

        output.WriteLine($"  result          {(Clean ? "CLEAN" : "NOT CLEAN")} (allowed: {(MaxFailed < 0 ? "any number of" : MaxFailed)} failed requests, hub reconnects within {MaxReconnectSecondsAllowed} s; "
            + $"0 lost, duplicated, missed, given up{(UnacknowledgedAllowed ? "" : ", unacknowledged")}{(Faults.Count > 0 ? "; every fault recovered" : "")})");
        foreach (var failure in FirstFailures)
        {
            output.WriteLine($"  failure: {failure}");
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });
}
