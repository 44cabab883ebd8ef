using Zones.Benchmarks;

// ns and allocated bytes per ping of GeofenceEngine.Evaluate, for 1 to 10,000 zones per user.
// Run: dotnet run -c Release --project Tests/Zones.Benchmarks  (about a minute)
if (System.Diagnostics.Debugger.IsAttached || !Harness.IsOptimized)
{
    Console.WriteLine("warning: not an optimized build; run with -c Release for meaningful numbers");
}

Harness.PrintMainTable([1, 10, 100, 1_000, 10_000]);
Harness.PrintIndexThresholdTable([2, 4, 8, 16, 32, 64]);
