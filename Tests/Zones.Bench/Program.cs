using Zones.Bench;

// deploy/local/bench.sh runs this against the local cluster; see that script for the options.
try
{
    var options = BenchOptions.Parse(args);
    await using var runner = new Runner(options);
    return await runner.RunAsync();
}
catch (BenchException e)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    if (e.Message.StartsWith("unknown option", StringComparison.Ordinal) || e.Message.Contains("required", StringComparison.Ordinal))
    {
        Console.Error.WriteLine(BenchOptions.Usage);
    }

    return 2;
}
