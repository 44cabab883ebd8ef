using System.Diagnostics;

namespace Zones.LoadTest;

/// <summary>What the workers measured, merged.</summary>
public sealed record LoadResult(
    TimeSpan Elapsed,
    long Requests,
    long Failed,
    long PingsSent,
    long Accepted,
    long Ignored,
    long Events,
    long Crossings,
    long ClampedBatches,
    double[] LatenciesMs,
    IReadOnlyDictionary<string, long> Errors);

/// <summary>The timed phase: workers post ping batches until the deadline or the request budget.</summary>
public static class LoadRun
{
    private sealed class Worker(int index, LoadUser[] users)
    {
        public readonly int Index = index;
        public readonly LoadUser[] Users = users;
        public readonly List<long> Ticks = new(4_096);
        public readonly Dictionary<string, long> Errors = new(StringComparer.Ordinal);
        public long Requests;
        public long Failed;
        public long Pings;
        public long Accepted;
        public long Ignored;
        public long Events;
    }

    public static async Task<LoadResult> RunAsync(ZonesClient client, IReadOnlyList<LoadUser> users, LoadOptions options)
    {
        // Disjoint users per worker: a user is one grain, and overlapping requests of one user would
        // measure grain queueing and race the timestamps, not the cluster.
        var workers = Enumerable.Range(0, options.Concurrency)
            .Select(w => new Worker(w, users.Where(u => u.Index % options.Concurrency == w).ToArray()))
            .ToArray();
        var budget = options.MaxRequests;
        var deadline = Stopwatch.GetTimestamp() + (long)(options.DurationSeconds * (double)Stopwatch.Frequency);

        Console.WriteLine($"load: {options.Concurrency} workers for {options.DurationSeconds} s, {options.Batch} pings per request, "
            + $"crossing ratio {options.CrossingRatio} ...");
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(workers.Select(w => Task.Run(() => RunWorkerAsync(client, w, options, deadline, () => Interlocked.Decrement(ref budget) >= 0))));
        var elapsed = Stopwatch.GetElapsedTime(started);

        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, count) in workers.SelectMany(w => w.Errors))
        {
            errors[key] = errors.GetValueOrDefault(key) + count;
        }

        var latencies = workers.SelectMany(w => w.Ticks).Select(t => t * 1_000.0 / Stopwatch.Frequency).ToArray();
        Array.Sort(latencies);
        return new LoadResult(
            elapsed,
            workers.Sum(w => w.Requests),
            workers.Sum(w => w.Failed),
            workers.Sum(w => w.Pings),
            workers.Sum(w => w.Accepted),
            workers.Sum(w => w.Ignored),
            workers.Sum(w => w.Events),
            users.Sum(u => u.Walker.Crossings),
            users.Sum(u => u.Walker.ClampedBatches),
            latencies,
            errors);
    }

    private static async Task RunWorkerAsync(ZonesClient client, Worker worker, LoadOptions options, long deadline, Func<bool> take)
    {
        var deviceId = $"load-worker-{worker.Index}";
        var next = 0;
        while (Stopwatch.GetTimestamp() < deadline && take())
        {
            var user = worker.Users[next];
            next = (next + 1) % worker.Users.Length;
            var body = new LocationsBody(deviceId, user.Walker.NextBatch(options.Batch, options.CrossingRatio, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

            var start = Stopwatch.GetTimestamp();
            string? error;
            LocationsOutcome outcome = default;
            try
            {
                outcome = await client.PostLocationsAsync(user.Token, body, CancellationToken.None);
                error = outcome.Status switch
                {
                    200 => null,
                    -1 => "200 (unreadable body)",
                    _ => outcome.Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
            }
            catch (TaskCanceledException)
            {
                error = "timeout";
            }
            catch (HttpRequestException e)
            {
                error = $"transport ({e.HttpRequestError})";
            }

            worker.Ticks.Add(Stopwatch.GetTimestamp() - start);
            worker.Requests++;
            worker.Pings += body.Pings.Length;
            if (error is null)
            {
                worker.Accepted += outcome.Accepted;
                worker.Ignored += outcome.Ignored;
                worker.Events += outcome.Events;
            }
            else
            {
                worker.Failed++;
                worker.Errors[error] = worker.Errors.GetValueOrDefault(error) + 1;
            }
        }
    }
}
