using System.Diagnostics;

namespace Zones.IntegrationTests.Operations;

/// <summary>The shipped Prometheus configuration and alert rules are valid, and the alerts fire (and stay
/// quiet) on the series their unit tests feed them. Runs Prometheus' own promtool, which deploy/local/test.sh
/// installs.</summary>
public sealed class AlertRulesTests
{
    [Theory]
    [InlineData("check", "config", "prometheus.yml")]
    [InlineData("check", "config", "prometheus.compose.yml")]
    [InlineData("check", "rules", "alerts.yml")]
    [InlineData("test", "rules", "alerts_test.yml")]
    public async Task Promtool_accepts_the_shipped_prometheus_files(string verb, string noun, string file)
    {
        var folder = Path.Combine(RepositoryRoot(), "deploy", "prometheus");
        var info = new ProcessStartInfo("promtool", [verb, noun, file])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = StartOrExplain(info);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(process.ExitCode == 0, $"promtool {verb} {noun} {file} failed:\n{await output}\n{await errors}");
    }

    [Fact]
    public async Task The_configuration_up_sh_monitoring_generates_scrapes_every_node_and_loads_the_alert_rules()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("zones-monitoring-").FullName, "prometheus.yml");
        var local = Path.Combine(RepositoryRoot(), "deploy", "local");
        var write = new ProcessStartInfo("bash", ["-c",
            "source \"$0/lib.sh\" && source \"$0/monitoring.sh\" && monitoring_write_config \"$1\" \"$2\" '127.0.0.1:5080 127.0.0.1:5090' '127.0.0.1:5181 127.0.0.1:5182'",
            local, file, RepositoryRoot()]);
        using (var writer = StartOrExplain(write))
        {
            await writer.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(0, writer.ExitCode);
        }

        var info = new ProcessStartInfo("promtool", ["check", "config", file])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = StartOrExplain(info);
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(process.ExitCode == 0, output);
        Assert.Matches(@"SUCCESS: [1-9]\d* rules found", output);
        var config = await File.ReadAllTextAsync(file);
        foreach (var target in new[] { "127.0.0.1:5080", "127.0.0.1:5090", "127.0.0.1:5181", "127.0.0.1:5182" })
        {
            Assert.Contains($"\"{target}\"", config);
        }
    }

    static Process StartOrExplain(ProcessStartInfo info)
    {
        try
        {
            return Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                "promtool is not installed: run deploy/local/test.sh (it installs Debian's prometheus package).", ex);
        }
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Zones.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Zones.sln not found above " + AppContext.BaseDirectory);
    }
}
