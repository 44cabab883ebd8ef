using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Zones.Bench;

/// <summary>
/// The open model: a dedicated thread emits sends at the target rate on a fixed schedule (send i is due at
/// start + i / rate), whatever the server does; each send's latency runs from its due time, so a server stall
/// is charged to every send it delayed (no coordinated omission). The first seconds are a warm-up: sent, not
/// counted. Sends still waiting a grace period after the end are counted as unsent, with the wait as latency.
/// </summary>
public static class OpenLoop
{
    /// <summary>Fixes the phase's window: warm-up from (almost) now, then the counted part.</summary>
    public static void Plan(PhaseStats phase, double warmup, double duration)
    {
        var f = Stopwatch.Frequency;
        phase.MeasureFrom = Stopwatch.GetTimestamp() + (f / 100) + (long)(warmup * f);
        phase.MeasureUntil = phase.MeasureFrom + (long)(duration * f);
    }

    /// <summary>Runs the schedule planned by <see cref="Plan"/>; <paramref name="emit"/> gets each due time.
    /// Prints a line a second.</summary>
    public static void Schedule(PhaseStats phase, double warmup, Action<long> emit, Func<string> extra)
    {
        var f = Stopwatch.Frequency;
        var t0 = phase.MeasureFrom - (long)(warmup * f);
        var end = phase.MeasureUntil;
        var interval = f / phase.Rate;
        long emitted = 0;
        var nextPrint = t0 + f;
        var second = 0;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= end)
            {
                break;
            }

            // Everything due by now leaves now; the 1 ms tick adds at most ~1 ms to the measured latency.
            var due = now < t0 ? 0 : (long)((now - t0) / interval) + 1;
            while (emitted < due)
            {
                var intended = t0 + (long)(emitted * interval);
                if (intended >= end)
                {
                    break;
                }

                emit(intended);
                emitted++;
            }

            if (now >= nextPrint)
            {
                second++;
                nextPrint += f;
                Progress(phase, second, now, extra());
            }

            Thread.Sleep(1);
        }
    }

    private static void Progress(PhaseStats phase, int second, long now, string extra)
    {
        var done = Interlocked.Exchange(ref phase.LiveCompleted, 0);
        var errors = Interlocked.Exchange(ref phase.LiveErrors, 0);
        var warm = now < phase.MeasureFrom;
        var p99 = phase.Latency.TotalCount == 0 ? "-" : (phase.Latency.GetValueAtPercentile(99) / 1000.0).ToString("F2", CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {phase.Target,-7} {phase.Mode,-6} {second,3}s{(warm ? " warm-up" : string.Empty),-8} target {phase.Rate,9:N0}/s  done {done,9:N0}/s  p99 {p99,7} ms  errors {errors,4}{extra}"));
    }

    /// <summary>Sends through <paramref name="workers"/> concurrent senders fed from the schedule.</summary>
    public static async Task RunWorkersAsync(PhaseStats phase, double warmup, double grace, int workers,
        Func<int, long, ValueTask> send)
    {
        var channel = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleWriter = true });
        var cutoffSet = new TaskCompletionSource<long>();
        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            while (await channel.Reader.WaitToReadAsync())
            {
                while (channel.Reader.TryRead(out var intended))
                {
                    var now = Stopwatch.GetTimestamp();
                    if (cutoffSet.Task.IsCompleted && now > cutoffSet.Task.Result)
                    {
                        if (phase.Counts(intended))
                        {
                            Interlocked.Increment(ref phase.Unsent);
                            phase.Record(intended, now);
                        }

                        continue;
                    }

                    await send(w, intended);
                }
            }
        })).ToArray();

        var scheduler = new Thread(() =>
        {
            try
            {
                Schedule(phase, warmup, i => channel.Writer.TryWrite(i), () => $"  queued {channel.Reader.Count,6:N0}");
            }
            finally
            {
                cutoffSet.TrySetResult(phase.MeasureUntil + (long)(grace * Stopwatch.Frequency));
                channel.Writer.TryComplete();
            }
        })
        { IsBackground = true, Priority = ThreadPriority.AboveNormal, Name = "schedule" };
        scheduler.Start();
        await Task.WhenAll(tasks);
        scheduler.Join();
    }
}
