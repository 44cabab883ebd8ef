using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Zones.MemoryBench;

// deploy/local/memory-bench.sh runs this against the local cluster; see BenchOptions.Usage.
if (!BenchOptions.TryParse(args, out var options, out var problem))
{
    Console.Error.WriteLine(problem);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

static void Say(string line) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

var dataSourceBuilder = new NpgsqlDataSourceBuilder(options.Postgres);
dataSourceBuilder.UseNetTopologySuite();
await using var dataSource = dataSourceBuilder.Build();
using var probe = new SiloProbe(options.SiloPid, options.SiloMetrics);
if (!probe.Alive)
{
    Console.Error.WriteLine($"no process {options.SiloPid}: is the silo running?");
    return 1;
}

// 1. Rows.
var loader = new BulkLoader(dataSource, options);
Say($"loading bench users up to {options.Users:N0} with {options.ZonesPerUser} circle zones each (binary COPY)");
var load = await loader.LoadAsync(Say);
if (load.UsersLoaded == 0)
{
    Say($"{load.Existing:N0} bench users already exist: nothing to load");
}

// 2. An Orleans client that finds the silos as the Api does: ADO.NET membership in PostgreSQL.
var hostBuilder = Host.CreateApplicationBuilder();
hostBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
hostBuilder.UseOrleansClient(client =>
{
    client.UseAdoNetClustering(o =>
    {
        o.Invariant = "Npgsql";
        o.ConnectionString = options.Postgres;
    });
    client.Configure<ClusterOptions>(o =>
    {
        o.ClusterId = options.ClusterId;
        o.ServiceId = options.ServiceId;
    });
});
using var host = hostBuilder.Build();
await host.StartAsync();
var cluster = host.Services.GetRequiredService<IClusterClient>();

var ids = await loader.IdsAsync(options.Users);
var before = await probe.SampleAsync();
Say($"silo before: {Describe(before)}");
Say($"activating {ids.Count:N0} users (GetPresence, {options.Concurrency} in flight)");
var lastDone = 0;
var lastAt = Stopwatch.StartNew();
var activation = await GrainActivator.RunAsync(cluster, ids, options.Concurrency, async done =>
{
    var sample = await probe.SampleAsync();
    var rate = (done - lastDone) / lastAt.Elapsed.TotalSeconds;
    lastDone = done;
    lastAt.Restart();
    Say($"activated {done:N0}/{ids.Count:N0} ({rate:N0}/s); silo {Describe(sample)}");
});
var afterActivation = await probe.SampleAsync();
if (options.SettleSeconds > 0)
{
    Say($"waiting {options.SettleSeconds} s for the silo to settle");
    await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds));
}

var settled = await probe.SampleAsync();
MemorySample? afterDump = null;
if (options.GcDump is { } dumpPath)
{
    // A gcdump walks the heap after a full, blocking collection: also the way to see the floor.
    Say($"dotnet-gcdump collect -p {options.SiloPid} -o {dumpPath}");
    if (await RunTool("dotnet-gcdump", "collect", "-p", options.SiloPid.ToString(CultureInfo.InvariantCulture), "-o", dumpPath) == 0)
    {
        afterDump = await probe.SampleAsync();
        await RunTool("dotnet-gcdump", "report", dumpPath);
    }
}

await host.StopAsync();

// 3. Report.
var users = activation.Activated;
Console.WriteLine();
Console.WriteLine("| figure | value |");
Console.WriteLine("|---|---|");
if (load.UsersLoaded > 0)
{
    var rows = load.UsersLoaded + load.ZonesLoaded;
    Console.WriteLine($"| loaded | {load.UsersLoaded:N0} users + {load.ZonesLoaded:N0} zones in {load.Elapsed.TotalSeconds:N1} s = {rows / load.Elapsed.TotalSeconds:N0} rows/s ({load.UsersLoaded / load.Elapsed.TotalSeconds:N0} users/s) |");
}
Console.WriteLine($"| bench users active | {users:N0} (failed: {activation.Failed:N0}{(activation.FirstError is null ? "" : "; first: " + activation.FirstError)}) |");
Console.WriteLine($"| activations/s | {users / activation.Elapsed.TotalSeconds:N0} ({activation.Elapsed.TotalSeconds:N1} s, {options.Concurrency} in flight) |");
Console.WriteLine($"| silo working set before | {Mib(before.WorkingSetBytes)} |");
Console.WriteLine($"| silo working set after activation | {Mib(afterActivation.WorkingSetBytes)} |");
Console.WriteLine($"| silo working set after {options.SettleSeconds} s | {Mib(settled.WorkingSetBytes)} |");
Console.WriteLine($"| per active user (settled - before) | {PerUser(settled.WorkingSetBytes - before.WorkingSetBytes, users)} |");
Console.WriteLine($"| GC heap before / settled | {Mib(before.GcHeapBytes)} / {Mib(settled.GcHeapBytes)}; per user {PerUser((settled.GcHeapBytes ?? 0) - (before.GcHeapBytes ?? 0), users)} |");
Console.WriteLine($"| GC committed before / settled | {Mib(before.GcCommittedBytes)} / {Mib(settled.GcCommittedBytes)} |");
if (afterDump is not null)
{
    Console.WriteLine($"| after the gcdump's full GC | working set {Mib(afterDump.WorkingSetBytes)}, GC heap {Mib(afterDump.GcHeapBytes)}; per user {PerUser(afterDump.WorkingSetBytes - before.WorkingSetBytes, users)} (working set), {PerUser((afterDump.GcHeapBytes ?? 0) - (before.GcHeapBytes ?? 0), users)} (GC heap) |");
}
Console.WriteLine($"| projected working set at 1,000,000 users | {Mib(before.WorkingSetBytes + (settled.WorkingSetBytes - before.WorkingSetBytes) / (double)Math.Max(users, 1) * 1_000_000)} |");
return activation.Failed == 0 ? 0 : 1;

static string Describe(MemorySample s) =>
    $"working set {Mib(s.WorkingSetBytes)}, GC heap {Mib(s.GcHeapBytes)}, GC committed {Mib(s.GcCommittedBytes)}" +
    (s.Activations is { } a ? $", {a:N0} activations" : "");

static string Mib(double? bytes) => bytes is { } b ? $"{b / (1024 * 1024):N0} MiB" : "n/a";

static string PerUser(double bytes, int users) => users > 0 ? $"{bytes / users:N0} B" : "n/a";

static async Task<int> RunTool(string tool, params string[] arguments)
{
    var home = Environment.GetEnvironmentVariable("HOME") ?? "";
    var installed = Path.Combine(home, ".dotnet", "tools", tool);
    var info = new ProcessStartInfo(File.Exists(installed) ? installed : tool) { UseShellExecute = false };
    foreach (var argument in arguments)
    {
        info.ArgumentList.Add(argument);
    }

    try
    {
        using var process = Process.Start(info)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
    catch (System.ComponentModel.Win32Exception e)
    {
        Console.Error.WriteLine($"{tool} could not run ({e.Message}); install it with: dotnet tool install -g {tool}");
        return -1;
    }
}
