using System.Globalization;

namespace Zones.Drill;

/// <summary>Requests sent in one second of sending: answered 200, failed otherwise, of those failed the 503
/// <c>UNAVAILABLE</c> answers (a crossing refused because it cannot be stored), those that took longer than
/// <see cref="SlowMs"/>, and the slowest.</summary>
public sealed record SecondCounts(long T, int Ok, int Failed, int Unavailable, int Slow, double MaxMs)
{
    public const double SlowMs = 2000;

    public int Requests => Ok + Failed;

    /// <summary>A second in which nothing completed counts as 0% (every request hung).</summary>
    public double Success => Requests == 0 ? 0 : (double)Ok / Requests;
}

/// <summary>One line of a fault file: <c>UNIX_MS fault NAME</c> when a fault was done, <c>UNIX_MS ready NAME</c> when the
/// node or server that NAME started answers ready again. NAME is <c>kill-silo:2</c>, <c>start-api:1</c>,
/// <c>stop-redis</c>, ... (deploy/local/chaos.sh writes them).</summary>
public sealed record FaultMarker(long UnixMs, string Kind, string Name)
{
    public static List<FaultMarker> Read(string path)
    {
        var markers = new List<FaultMarker>();
        if (!File.Exists(path))
        {
            return markers;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                markers.Add(new FaultMarker(ms, parts[1], parts[2]));
            }
        }

        return markers;
    }
}

/// <summary>What one fault cost. <see cref="RecoveredAfterSeconds"/>: from the fault until success per second is back at or
/// above the target and stays there until the next fault (null: not before it). <see cref="ReadyAfterSeconds"/>: for a
/// start, until what it started answered ready. Failed, refused and slow (over 2 s) count the requests sent in the fault's
/// span (from the second it fell in until the second of the next fault).</summary>
public sealed record FaultReport(string Name, double AtSeconds, double? ReadyAfterSeconds, double? RecoveredAfterSeconds,
    bool RecoveryExpected, int Failed, int Refused, int Slow, double SlowestMs, double LowestSecondSuccess)
{
    /// <summary>Stopping PostgreSQL refuses crossings by design until it is back: its span is not expected to recover.</summary>
    public static bool Recovers(string name) => name != "stop-postgres";
}

/// <summary>The fault file read against the per-second counts: each fault's recovery, the 503 answers that are the
/// designed refusal while PostgreSQL is down, and the windows in which Redis could not carry live pushes.</summary>
public sealed class FaultTimeline
{
    public const double RecoveredSuccess = 0.99;

    FaultTimeline(List<FaultReport> faults, List<(double From, double Until)> postgresDown, List<(double From, double Until)> redisDown)
    {
        Faults = faults;
        PostgresDown = postgresDown;
        RedisDown = redisDown;
    }

    public IReadOnlyList<FaultReport> Faults { get; }

    /// <summary>From each stop-postgres until success is back after the start-postgres that follows it.</summary>
    public IReadOnlyList<(double From, double Until)> PostgresDown { get; }

    /// <summary>From each stop-redis until the following start-redis (live delivery's own resumption is measured apart).</summary>
    public IReadOnlyList<(double From, double Until)> RedisDown { get; }

    public static readonly FaultTimeline None = new([], [], []);

    /// <summary>Reads <paramref name="markers"/> (unix ms) against sending that started at <paramref name="startUnixMs"/> and
    /// lasted <paramref name="sendingSeconds"/>.</summary>
    public static FaultTimeline From(IReadOnlyList<FaultMarker> markers, long startUnixMs, double sendingSeconds,
        IReadOnlyDictionary<long, SecondCounts> seconds)
    {
        double Rel(FaultMarker m) => (m.UnixMs - startUnixMs) / 1000.0;
        var faults = markers.Where(m => m.Kind == "fault").OrderBy(m => m.UnixMs).ToList();
        var reports = new List<FaultReport>();
        var postgres = new List<(double, double)>();
        var redis = new List<(double, double)>();
        double? postgresStopped = null, redisStopped = null;
        for (var i = 0; i < faults.Count; i++)
        {
            var at = Rel(faults[i]);
            var until = i + 1 < faults.Count ? Rel(faults[i + 1]) : sendingSeconds;
            var name = faults[i].Name;
            var ready = markers.FirstOrDefault(m => m.Kind == "ready" && m.Name == name && m.UnixMs >= faults[i].UnixMs);
            var recovered = RecoveredAfter(seconds, at, until);
            var span = Span(seconds, at, until).ToList();
            var unavailable = span.Sum(s => s.Unavailable);
            var refused = 0;
            switch (name)
            {
                case "stop-postgres":
                    postgresStopped = at;
                    refused = unavailable;
                    break;
                case "start-postgres" when postgresStopped is { } stopped:
                    // Until success is back, a 503 UNAVAILABLE is still the outage's designed answer.
                    var back = recovered is { } r ? at + r : until;
                    postgres.Add((stopped, back));
                    refused = Span(seconds, at, back).Sum(s => s.Unavailable);
                    postgresStopped = null;
                    break;
                case "stop-redis":
                    redisStopped = at;
                    break;
                case "start-redis" when redisStopped is { } since:
                    redis.Add((since, at));
                    redisStopped = null;
                    break;
            }

            reports.Add(new FaultReport(name, Math.Round(at, 2),
                ready is null ? null : Math.Round(Rel(ready) - at, 2),
                recovered is { } rec ? Math.Round(rec, 2) : null,
                FaultReport.Recovers(name),
                span.Sum(s => s.Failed) - refused, refused, span.Sum(s => s.Slow), span.Count == 0 ? 0 : span.Max(s => s.MaxMs),
                span.Count == 0 ? 1 : Math.Round(span.Min(s => s.Success), 4)));
        }

        if (postgresStopped is { } never)
        {
            postgres.Add((never, sendingSeconds));
        }

        if (redisStopped is { } stillDown)
        {
            redis.Add((stillDown, sendingSeconds));
        }

        return new FaultTimeline(reports, postgres, redis);
    }

    /// <summary>The seconds that lie wholly or partly in [from, until): the second the fault fell in, up to the last one
    /// before the next fault.</summary>
    static IEnumerable<SecondCounts> Span(IReadOnlyDictionary<long, SecondCounts> seconds, double from, double until)
    {
        for (var t = (long)Math.Floor(from); t < Math.Floor(until); t++)
        {
            yield return seconds.TryGetValue(t, out var c) ? c : new SecondCounts(t, 0, 0, 0, 0, 0);
        }
    }

    /// <summary>Seconds from <paramref name="at"/> to the start of the first second from which every whole second until
    /// <paramref name="until"/> has success at or above <see cref="RecoveredSuccess"/>; 0 when the fault cost nothing.</summary>
    static double? RecoveredAfter(IReadOnlyDictionary<long, SecondCounts> seconds, double at, double until)
    {
        var first = (long)Math.Floor(at);
        var last = (long)Math.Floor(until) - 1;
        if (last < first)
        {
            return null;
        }

        long? good = null;
        for (var t = last; t >= first; t--)
        {
            var c = seconds.TryGetValue(t, out var s) ? s : new SecondCounts(t, 0, 0, 0, 0, 0);
            if (c.Success < RecoveredSuccess)
            {
                break;
            }

            good = t;
        }

        return good is { } g ? Math.Max(0, g - at) : null;
    }

    public bool InPostgresOutage(double t) => PostgresDown.Any(w => t >= w.From && t < w.Until);

    /// <summary>One character per second: full block at or above 99% success, lower blocks below, '_' for none, ' ' for a
    /// second with no request completed; under it a line with the number of each fault at its second.</summary>
    public static string Sparkline(IReadOnlyDictionary<long, SecondCounts> seconds, IReadOnlyList<FaultReport> faults, double sendingSeconds)
    {
        var count = (int)Math.Ceiling(sendingSeconds);
        var bars = new char[count];
        var marks = Enumerable.Repeat(' ', count).ToArray();
        for (var t = 0; t < count; t++)
        {
            bars[t] = !seconds.TryGetValue(t, out var c) || c.Requests == 0 ? ' '
                : c.Success >= RecoveredSuccess ? '█'
                : c.Success >= 0.9 ? '▆'
                : c.Success >= 0.5 ? '▄'
                : c.Success > 0 ? '▂'
                : '_';
        }

        for (var i = 0; i < faults.Count; i++)
        {
            var t = (int)Math.Floor(faults[i].AtSeconds);
            if (t >= 0 && t < count)
            {
                marks[t] = i < 9 ? (char)('1' + i) : (char)('a' + Math.Min(i - 9, 25));
            }
        }

        var lines = new List<string>();
        for (var row = 0; row < count; row += 60)
        {
            var width = Math.Min(60, count - row);
            lines.Add($"  {row,4}s |{new string(bars, row, width)}|");
            if (marks.Skip(row).Take(width).Any(m => m != ' '))
            {
                lines.Add($"        |{new string(marks, row, width)}|");
            }
        }

        return string.Join('\n', lines);
    }
}
