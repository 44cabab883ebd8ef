using System.Diagnostics;

namespace Zones.IntegrationTests.Operations;

/// <summary>The shipped Prometheus configuration and alert rules are valid, and the alerts fire (and stay
/// quiet) on the series their unit tests feed them. Runs Prometheus' own promtool, which deploy/local/test.sh
/// installs.</summary>
public sealed class AlertRulesTests
{
    [Theory]
    [InlineData("check", "config", "prometheus.yml")]
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
