using System.Collections.Concurrent;
using System.Text.Json;

namespace Zones.Drill;

/// <summary>The drill's figures. Lost: acknowledged but not stored. Duplicated: one transition (type and ping
/// time) stored twice. Unacknowledged: stored without a 200 having said so (a batch the Api resent after a lost
/// answer carries the events its first attempt stored, so those are acknowledged); of them, UnacknowledgedAtApiKill
/// were caused by a ping whose request was in flight when an Api node was killed (a kill-api fault): the node died
/// after the cluster committed, and HAProxy's resend of the request reached another node as a first attempt, answered
/// as already applied. Only those are tolerated, and only with --allow-unacknowledged. Missed on the hub: acknowledged
/// but neither pushed live nor read back by a catch-up (a transition acknowledged while Redis was down, or in the
/// <see cref="RedisReconnectSeconds"/> after it was started again, is counted apart as not pushed while Redis was down). Failed excludes Refused: the 503
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
    long UnacknowledgedAtApiKill,
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
    /// <summary>How long after start-redis a transition not pushed live is still put down to the outage.</summary>
    public const double RedisReconnectSeconds = 5;

    public bool Clean => (MaxFailed < 0 || Failed <= MaxFailed) && Abandoned == 0 && Lost == 0 && Duplicated == 0 && Unacknowledged - (UnacknowledgedAllowed ? UnacknowledgedAtApiKill : 0) == 0
        && HubClosedForGood == 0
        && MissedOnHub == 0 && MaxReconnectSeconds <= MaxReconnectSecondsAllowed
        && Faults.All(f => !f.RecoveryExpected || f.RecoveredAfterSeconds is not null);

    public static DrillReport From(DrillUser[] users, Dictionary<int, List<StoredTransition>> stored,
        Dictionary<long, SecondCounts> seconds, FaultTimeline timeline, ConcurrentBag<double> latencies, ConcurrentQueue<string> failures,
        ConcurrentDictionary<string, int> failureKinds,
        ConcurrentBag<double> reconnectGaps, int disconnects, int closed, int abandoned, double sendingSeconds, DrillOptions options)
    {
        long acknowledged = 0, storedCount = 0, lost = 0, duplicated = 0, unacknowledged = 0, atApiKill = 0, missed = 0, notPushed = 0,
            caughtUp = 0;
        var apiKills = timeline.Faults.Where(f => f.Name.StartsWith("kill-api", StringComparison.Ordinal)).Select(f => f.AtSeconds).ToList();
        var missedAt = new List<double>();
        // Live delivery needs Redis: from each stop-redis until RedisReconnectSeconds after start-redis (every node's backplane
        // connection comes back on its own, attempts at most 2 s apart), a transition that was not pushed is not held against
        // the hub. Live delivery has resumed at the first push after the last transition that was not.
        var redisWindows = timeline.RedisDown.Select(w => (w.From, Until: w.Until + RedisReconnectSeconds)).ToList();
        var acks = users.SelectMany(u => u.Acknowledged.Select(a => (At: a.Value, Pushed: u.Live.ContainsKey(a.Key) || u.CaughtUp.ContainsKey(a.Key))))
            .OrderBy(a => a.At).ToList();
        var resumed = timeline.RedisDown.Select((w, i) =>
        {
            var next = i + 1 < timeline.RedisDown.Count ? timeline.RedisDown[i + 1].From : double.MaxValue;
            var after = acks.Where(a => a.At >= w.Until && a.At < next).ToList();
            var lastMissed = after.LastOrDefault(a => !a.Pushed);
            var first = after.FirstOrDefault(a => a.Pushed && a.At >= lastMissed.At);
            return first == default ? (double?)null : Math.Round(first.At - w.Until, 2);
        }).ToList();
        foreach (var user in users)
        {
            var rows = stored[user.Index];
            var ids = rows.Select(r => r.Id).ToHashSet();
            acknowledged += user.Acknowledged.Count;
            storedCount += rows.Count;
            lost += user.Acknowledged.Keys.Count(id => !ids.Contains(id));
            duplicated += rows.GroupBy(r => r.Key).Sum(g => g.Count() - 1);
            var unanswered = rows.Where(r => !user.Acknowledged.ContainsKey(r.Id)).DistinctBy(r => r.Id).ToList();
            unacknowledged += unanswered.Count;
            atApiKill += unanswered.Count(r => user.Attempts.Any(a => a.Ping == r.Timestamp && apiKills.Any(k => a.Sent <= k && k <= a.Ended)));
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
            acknowledged, storedCount, lost, duplicated, unacknowledged, atApiKill,
            disconnects, reconnectGaps.Count,
            reconnectGaps.IsEmpty ? 0 : Math.Round(reconnectGaps.Max(), 2),
            closed, missed, missedAt.Order().Take(20).ToList(), notPushed,
            resumed,
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
              transitions     acknowledged {Acknowledged}, stored {Stored}: lost {Lost}, duplicated {Duplicated}, stored unacknowledged {Unacknowledged} (of them in flight at an Api node kill {UnacknowledgedAtApiKill})
              hub             disconnects {HubDisconnects}, reconnects {HubReconnects} (slowest {MaxReconnectSeconds} s), closed for good {HubClosedForGood}
              hub delivery    missed {MissedOnHub} (neither pushed nor caught up{(MissedOnHub == 0 ? "" : $"; acknowledged at t={string.Join(", ", MissedOnHubAcknowledgedAt)} s")}), caught up by GET /activities?from= after a reconnect {CaughtUpAfterReconnect}
            """);
        if (LiveDeliveryResumedAfterSeconds.Count > 0)
        {
            output.WriteLine($"  Redis outage    not pushed while Redis was down {NotPushedWhileRedisDown}; every transition pushed from "
                + string.Join(", ", LiveDeliveryResumedAfterSeconds.Select(r => r is { } s ? $"{s} s after start-redis" : "never"))
                + $" (allowed: {RedisReconnectSeconds} s)");
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
            + $"0 lost, duplicated, missed, given up, unacknowledged{(UnacknowledgedAllowed ? " but those in flight at an Api node kill" : "")}{(Faults.Count > 0 ? "; every fault recovered" : "")})");
        foreach (var failure in FirstFailures)
        {
            output.WriteLine($"  failure: {failure}");
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });
}
