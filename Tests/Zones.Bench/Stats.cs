using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace Zones.Bench;

/// <summary>Percentiles of one histogram, in milliseconds.</summary>
public sealed record Percentiles(long Count, double P50, double P90, double P95, double P99, double P999, double Max)
{
    public static readonly Percentiles Empty = new(0, 0, 0, 0, 0, 0, 0);

    public static Percentiles Of(HistogramBase h)
    {
        if (h.TotalCount == 0)
        {
            return Empty;
        }

        double Ms(double q) => h.GetValueAtPercentile(q) / 1_000.0;
        return new Percentiles(h.TotalCount, Ms(50), Ms(90), Ms(95), Ms(99), Ms(99.9), h.GetMaxValue() / 1_000.0);
    }
}

/// <summary>CPU and memory (PSS at the end) of one process (and its children: PostgreSQL's backends) over a phase.</summary>
public sealed record Usage(string Process, double Cores, double CpuSeconds, double MemoryMiB);

/// <summary>What one load phase (a step, or the measurement at half rate) saw. Latency is in microseconds from
/// the intended send time of each request, so a stall of the server shows as the waiting it caused.</summary>
public sealed class PhaseStats(string target, string mode, string kind, double rate, int pingsPerSend)
{
    // 1 us to 5 min at 3 significant digits.
    private static HistogramBase NewHistogram() => new LongConcurrentHistogram(1, 300_000_000, 3);

    public string Target { get; } = target;
    public string Mode { get; } = mode;
    public string Kind { get; } = kind;
    public double Rate { get; } = rate;
    public int PingsPerSend { get; } = pingsPerSend;

    public HistogramBase Latency { get; } = NewHistogram();
    public HistogramBase EventLatency { get; } = NewHistogram();
    public ConcurrentDictionary<string, long> ErrorKinds { get; } = new(StringComparer.Ordinal);

    public long MeasureFrom;
    public long MeasureUntil;
    public long Sent;
    public long Completed;
    public long Errors;
    public long Unsent;
    public long Pings;
    public long Ignored;
    public long AnswerMissing;
    public long AnswerExtra;
    public long LiveCompleted;
    public long LiveErrors;

    public double MeasuredSeconds => (MeasureUntil - MeasureFrom) / (double)Stopwatch.Frequency;

    public List<Usage> Usage { get; } = [];

    public bool Held { get; set; }

    public string Verdict { get; set; } = string.Empty;

    public bool Counts(long intended) => intended >= MeasureFrom && intended < MeasureUntil;

    public void Record(long intended, long now)
    {
        Latency.RecordValue(Math.Max(1, (now - intended) * 1_000_000 / Stopwatch.Frequency));
    }

    public void RecordEvent(long intended, long now)
    {
        EventLatency.RecordValue(Math.Max(1, (now - intended) * 1_000_000 / Stopwatch.Frequency));
    }

    public void Error(string kind)
    {
        Interlocked.Increment(ref Errors);
        Interlocked.Increment(ref LiveErrors);
        ErrorKinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }

    public double Achieved => MeasuredSeconds > 0 ? Completed / MeasuredSeconds : 0;

    public double PingsPerSecond => MeasuredSeconds > 0 ? Pings / MeasuredSeconds : 0;
}
