using System.Text;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;
using Zones.ServiceDefaults;

namespace Zones.UnitTests;

/// <summary>What an operator reads: the same line on stdout and in the <c>combined</c> file, errors also in <c>error</c>.</summary>
public sealed class LogOutputTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("zones-logs-").FullName;

    [Fact]
    public async Task Files_get_the_lines_written_to_stdout_and_errors_also_go_to_the_error_file()
    {
        var stdout = new MemoryStream();
        var output = new BatchedLogOutput(new CompactJsonFormatter(), stdout, line => new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .WriteTo.File(line, Path.Combine(_directory, "combined.log"))
            .WriteTo.File(line, Path.Combine(_directory, "error.log"), restrictedToMinimumLevel: LogEventLevel.Error)
            .CreateLogger());

        await output.EmitBatchAsync([Event(LogEventLevel.Information, "User entered zone 1"), Event(LogEventLevel.Error, "Commit failed")]);
        await output.EmitBatchAsync([Event(LogEventLevel.Warning, "Slow commit")]);
        output.Dispose();

        var printed = Lines(Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(3, printed.Length);
        Assert.Contains("User entered zone 1", printed[0]);
        Assert.Contains("Commit failed", printed[1]);
        Assert.Contains("Slow commit", printed[2]);
        Assert.Equal(printed, Lines(File.ReadAllText(Path.Combine(_directory, "combined.log"))));
        Assert.Equal([printed[1]], Lines(File.ReadAllText(Path.Combine(_directory, "error.log"))));
    }

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    static LogEvent Event(LogEventLevel level, string text) =>
        new(DateTimeOffset.UtcNow, level, null, new MessageTemplateParser().Parse(text), []);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
