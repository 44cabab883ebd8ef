using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Zones.EndToEndTests;

/// <summary>The local cluster as operators run it: deploy/local/up.sh with 3 silos and 2 Api nodes behind HAProxy, in a
/// folder of its own (ZONES_LOCAL_DIR) with its own PostgreSQL and Redis, from the Release build that test.sh made
/// (ZONES_SKIP_BUILD=1). up.sh installs HAProxy when it is missing (test.sh does too); it needs root or sudo, which CI
/// has. down.sh --purge removes it all.</summary>
public sealed class BalancedCluster : IAsyncLifetime
{
    readonly string _local = Directory.CreateTempSubdirectory("zones-balanced-").FullName;
    readonly StringBuilder _log = new();

    public async Task InitializeAsync()
    {
        var (code, output) = await RunAsync("up.sh", ["--silos", "3", "--apis", "2", "--balancer"], TimeSpan.FromMinutes(4));
        if (code != 0)
        {
            throw new InvalidOperationException($"up.sh failed ({code}):\n{output}");
        }
    }

    public async Task DisposeAsync()
    {
        await RunAsync("down.sh", ["--purge"], TimeSpan.FromMinutes(2));
        if (Directory.Exists(_local))
        {
            Directory.Delete(_local, recursive: true);
        }
    }

    /// <summary>A file in the cluster's logs folder.</summary>
    public string LogFile(string name) => Path.Combine(_local, "logs", name);

    /// <summary>Runs a deploy/local script against this cluster; answers its exit code and its output (stdout and stderr).</summary>
    public async Task<(int Code, string Output)> RunAsync(string script, string[] arguments, TimeSpan timeout,
        Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(Path.Combine(LocalCluster.RepositoryRoot(), "deploy", "local", script), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["ZONES_LOCAL_DIR"] = _local;
        info.Environment["ZONES_SKIP_BUILD"] = "1";
        info.Environment["ZONES_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Append(output, $"{script} killed after {timeout}");
        }

        process.WaitForExit();
        lock (output)
        {
            _log.Append(output);
            return (process.ExitCode, output.ToString());
        }
    }

    static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

/// <summary>Faults under load on the balanced local cluster (issue 8, items 4 and 7), measured by Tests/Zones.Drill: users
/// streaming pings that each cross a zone's edge, with hub connections, every failed request resent until it is accepted,
/// everything acknowledged then read back from storage.</summary>
[Collection(Drills.Name)]
public sealed class ChaosTests(BalancedCluster cluster, ITestOutputHelper output) : IClassFixture<BalancedCluster>
{
    /// <summary>kill-api.sh --verify: kill -9 of an Api node while its hub clients listen and devices send through the
    /// balancer; started again after 5 s.</summary>
    [Fact]
    public async Task Killing_an_Api_node_behind_the_balancer_reconnects_its_hub_clients_within_5_s_and_loses_nothing()
    {
        var report = await DrillAsync("kill-api.sh", ["--verify", "--node", "1", "--down", "5", "--users", "10", "--max-failed", "1000000"]);

        // leastconn spreads the 10 hub connections over both nodes: the killed node had some.
        report.Expect(report.Int("HubReconnects") > 0, "HubReconnects > 0");
        report.Expect(report.Double("MaxReconnectSeconds") <= 5, "MaxReconnectSeconds <= 5");
        report.ExpectZero("Lost", "Duplicated", "Abandoned", "HubClosedForGood", "MissedOnHub");
        // Requests in flight on the killed node are resent by HAProxy (ping batches are harmless to resend): issue 8's
        // bound is 0.2% of requests.
        report.Expect(report.Int("Failed") <= 0.002 * report.Int("Requests"), "Failed <= 0.2% of Requests");
    }

    /// <summary>chaos.sh with a short schedule: a silo killed and started, an Api node killed and started, Redis and
    /// PostgreSQL stopped and started.</summary>
    [Fact]
    public async Task A_short_chaos_schedule_loses_and_duplicates_nothing_and_recovers_after_each_fault()
    {
        const string schedule = "5:kill-silo:3,15:start-silo:3,23:kill-api:1,29:start-api:1,37:stop-redis,43:start-redis,"
            + "49:stop-postgres,54:start-postgres";
        var report = await DrillAsync("chaos.sh", ["--schedule", schedule, "--users", "10", "--tail", "12"]);

        report.ExpectZero("Lost", "Duplicated", "Abandoned", "MissedOnHub");
        var faults = report.Json["Faults"]!.AsArray();
        Assert.Equal(schedule.Split(',').Select(s => s[(s.IndexOf(':') + 1)..]), faults.Select(f => f!["Name"]!.GetValue<string>()));
        foreach (var f in faults.Where(f => f!["RecoveryExpected"]!.GetValue<bool>()))
        {
            report.Expect(f!["RecoveredAfterSeconds"] is not null, $"{f["Name"]} recovered before the next fault");
        }

        foreach (var f in faults.Where(f => f!["Name"]!.GetValue<string>().StartsWith("start-")))
        {
            report.Expect(f!["ReadyAfterSeconds"] is not null, $"{f["Name"]} answered ready");
        }

        report.Expect(report.Double("MaxReconnectSeconds") <= 5, "MaxReconnectSeconds <= 5");
    }

    /// <summary>Runs a drill script and reads its JSON report. Its exit code is not asserted: each test asserts the
    /// report's figures instead, which say what went wrong.</summary>
    async Task<DrillResult> DrillAsync(string script, string[] arguments)
    {
        var json = cluster.LogFile($"{Path.GetFileNameWithoutExtension(script)}-{Guid.NewGuid():N}.json");
        // chaos.sh names its report with --out; kill-api.sh passes DRILL_OUT on to the drill.
        string[] all = script == "chaos.sh" ? [.. arguments, "--out", json] : arguments;
        var (code, text) = await cluster.RunAsync(script, all, TimeSpan.FromMinutes(4), new() { ["DRILL_OUT"] = json });
        output.WriteLine(text);
        Console.WriteLine(text);
        Assert.True(File.Exists(json), $"{script} wrote no report ({code}):\n{text}");
        var result = new DrillResult(JsonNode.Parse(await File.ReadAllTextAsync(json))!, text);
        return result;
    }

    sealed record DrillResult(JsonNode Json, string Text)
    {
        public int Int(string name) => (int)Json[name]!.GetValue<long>();

        public double Double(string name) => Json[name]!.GetValue<double>();

        /// <summary>Fails with what was expected first and the drill's output after it, so that a report cut to its
        /// first lines still says which figure was wrong.</summary>
        public void Expect(bool holds, string expectation)
        {
            if (!holds)
            {
                Assert.Fail($"expected {expectation}\n--- drill output ---\n{Text}");
            }
        }

        public void ExpectZero(params string[] names)
        {
            var nonZero = names.Where(n => Int(n) != 0).Select(n => $"{n} {Int(n)}").ToList();
            Expect(nonZero.Count == 0, $"0 {string.Join(", ", names)}; got {string.Join(", ", nonZero)}");
        }
    }
}
