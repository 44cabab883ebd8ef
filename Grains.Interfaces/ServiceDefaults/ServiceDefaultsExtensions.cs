using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Zones.ServiceDefaults;

/// <summary>What every Zones node (silo and Api) sets up the same way, in the spirit of .NET Aspire's service
/// defaults: Serilog, the dependency health checks, and the options this foundation owns, validated at start.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Serilog (compact JSON on stdout and, with <c>Logs:Directory</c>, rolling <c>combined</c> and
    /// <c>error</c> files; levels from the <c>Serilog</c> section), tagged <c>Service</c> and <c>Node</c>; the
    /// PostgreSQL and Redis health checks; <see cref="TimeProvider"/>. <paramref name="logging"/> adds the node's
    /// own enrichers.</summary>
    public static WebApplicationBuilder AddZonesServiceDefaults(this WebApplicationBuilder builder, string service,
        Action<LoggerConfiguration>? logging = null)
    {
        builder.Services.AddOptions<LogOptions>().BindConfiguration(LogOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Service", service)
                .Enrich.WithProperty("Node", Environment.MachineName)
                // One background writer for every output, in batches (BatchedLogOutput): a request or a grain turn
                // never waits on the console (or the pipe behind it) or a disk, and costs no wake-up of its own.
                .WriteTo.Sink(new BatchedLogOutput(new CompactJsonFormatter(), Console.OpenStandardOutput(),
                    line => Files(services.GetRequiredService<IOptions<LogOptions>>().Value, line)), BatchedLogOutput.Options);
            logging?.Invoke(logger);
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddZonesDependencyChecks();
        return builder;
    }

    /// <summary>The rolling <c>combined</c> and <c>error</c> files, written by <see cref="BatchedLogOutput"/>'s thread
    /// (buffered, flushed every second), or none without <c>Logs:Directory</c>. <paramref name="line"/> writes the line
    /// the output has already formatted.</summary>
    static Serilog.Core.Logger? Files(LogOptions options, Serilog.Formatting.ITextFormatter line)
    {
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            return null;
        }

        var limit = options.FileSizeLimitMegabytes * 1024L * 1024L;
        var files = new LoggerConfiguration().MinimumLevel.Verbose();
        foreach (var (name, level) in new[] { ("combined", LogEventLevel.Verbose), ("error", LogEventLevel.Error) })
        {
            files.WriteTo.File(line, Path.Combine(options.Directory, $"{name}-.log"),
                restrictedToMinimumLevel: level, fileSizeLimitBytes: limit, rollOnFileSizeLimit: true,
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: options.RetainedFiles,
                buffered: true, flushToDiskInterval: TimeSpan.FromSeconds(1));
        }

        return files.CreateLogger();
    }
}
