using System.Diagnostics;
using Zones.Users;

namespace Zones.MemoryBench;

/// <summary>Activates user grains the way the Api reaches them: one cheap call (GetPresence) per user, with a
/// bounded number in flight.</summary>
public static class GrainActivator
{
    public sealed record Result(int Activated, int Failed, TimeSpan Elapsed, string? FirstError);

    public static async Task<Result> RunAsync(IClusterClient cluster, IReadOnlyList<Guid> users, int concurrency,
        Func<int, Task> progress)
    {
        var stopwatch = Stopwatch.StartNew();
        var done = 0;
        var failed = 0;
        string? firstError = null;
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(5));
        var work = Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (userId, _) =>
            {
                try
                {
                    await cluster.GetGrain<IUserGrain>(userId).GetPresence();
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                }

                Interlocked.Increment(ref done);
            });
        while (await Task.WhenAny(work, ticker.WaitForNextTickAsync().AsTask()) != work)
        {
            await progress(Volatile.Read(ref done));
        }

        await work;
        return new Result(done - failed, failed, stopwatch.Elapsed, firstError);
    }
}
