using System.Diagnostics;
using System.Reflection;
using Zones.Geofencing;

namespace Zones.Benchmarks;

/// <summary>A small Stopwatch harness: warm up until the JIT has settled, then time several rounds of many
/// pings and report the fastest round. Allocation is the thread's allocated bytes over the timed rounds.</summary>
internal static class Harness
{
    const int Rounds = 5;
    static readonly TimeSpan WarmUp = TimeSpan.FromMilliseconds(250);
    static readonly TimeSpan RoundTime = TimeSpan.FromMilliseconds(150);

    public static bool IsOptimized =>
        typeof(GeofenceEngine).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;

    public static void PrintMainTable(int[] zoneCounts)
    {
        Console.WriteLine("GeofenceEngine.Evaluate, one ping per call (the streaming case); zones at 1 per km2 around the user.");
        Console.WriteLine("quiet = pings that cross no edge (user inside one zone, jittering); crossing = every ping enters or leaves a zone.");
        Console.WriteLine("B/ping = bytes allocated per ping; batch100 = same quiet pings sent 100 per call.");
        Console.WriteLine();
        Console.WriteLine($"{"shape",-8} {"zones",7} | {"quiet ns/ping",13} {"B/ping",7} {"batch100 ns",11} {"B/ping",7} | {"crossing ns/ping",16} {"B/ping",7}");
        Console.WriteLine(new string('-', 92));
        foreach (var shape in new[] { Shape.Circle, Shape.Polygon })
        {
            foreach (var count in zoneCounts)
            {
                var scenario = new Scenario(shape, count, seed: 17);
                var quiet = Measure(scenario, crossing: false, batchSize: 1);
                var batched = Measure(scenario, crossing: false, batchSize: 100);
                var crossing = Measure(scenario, crossing: true, batchSize: 1);
                Console.WriteLine(
                    $"{shape,-8} {count,7:N0} | {quiet.Ns,13:N0} {quiet.Bytes,7:N0} {batched.Ns,11:N0} {batched.Bytes,7:N0} | {crossing.Ns,16:N0} {crossing.Bytes,7:N0}");
            }
        }

        Console.WriteLine();
    }

    public static void PrintIndexThresholdTable(int[] zoneCounts)
    {
        Console.WriteLine("Plain scan vs STRtree for few zones (quiet pings, circles and polygons mixed): where the index starts to pay.");
        Console.WriteLine($"{"zones",7} | {"scan ns/ping",12} {"index ns/ping",13}");
        Console.WriteLine(new string('-', 38));
        foreach (var count in zoneCounts)
        {
            var scan = Measure(new Scenario(Shape.Mixed, count, seed: 5) { IndexThreshold = int.MaxValue }, false, 1);
            var index = Measure(new Scenario(Shape.Mixed, count, seed: 5) { IndexThreshold = 1 }, false, 1);
            Console.WriteLine($"{count,7} | {scan.Ns,12:N0} {index.Ns,13:N0}");
        }

        Console.WriteLine($"(the engine switches to the index at {GeofenceEngine.DefaultIndexThreshold} zones)");
    }

    static (double Ns, double Bytes) Measure(Scenario scenario, bool crossing, int batchSize)
    {
        var run = scenario.Start(crossing, batchSize);
        var deadline = Stopwatch.GetTimestamp() + (long)(WarmUp.TotalSeconds * Stopwatch.Frequency);
        var perRound = 256;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            run.Pings(perRound);
        }

        // Size a round so it lasts about RoundTime.
        var probe = Stopwatch.StartNew();
        run.Pings(perRound);
        var pingsPerRound = (int)Math.Clamp(perRound * RoundTime.TotalMilliseconds / Math.Max(probe.Elapsed.TotalMilliseconds, 0.001), 1_000, 50_000_000);

        var samples = new double[Rounds];
        long bytes = 0;
        for (var r = 0; r < Rounds; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            var done = run.Pings(pingsPerRound);
            watch.Stop();
            bytes += GC.GetAllocatedBytesForCurrentThread() - before;
            samples[r] = watch.Elapsed.TotalNanoseconds / done;
        }

        // The fastest round: on a shared machine the slower ones measure the neighbours, not the engine.
        Array.Sort(samples);
        return (samples[0], (double)bytes / ((long)pingsPerRound * Rounds));
    }
}
