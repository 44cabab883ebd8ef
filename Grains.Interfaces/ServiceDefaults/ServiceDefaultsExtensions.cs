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
                // Every sink is written by a background thread, so a request or a grain turn never waits on the
                // console (or the pipe behind it) or a disk. Buffers are bounded; when one is full, lines are
                // dropped rather than requests slowed.
                .WriteTo.Async(sink => sink.Console(new CompactJsonFormatter()), bufferSize: 50_000, blockWhenFull: false);
            WriteFiles(logger, services.GetRequiredService<IOptions<LogOptions>>().Value);
            logging?.Invoke(logger);
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddZonesDependencyChecks();
        return builder;
    }

    static void WriteFiles(LoggerConfiguration logger, LogOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            return;
        }

        var limit = options.FileSizeLimitMegabytes * 1024L * 1024L;
        foreach (var (name, level) in new[] { ("combined", LogEventLevel.Verbose), ("error", LogEventLevel.Error) })
        {
            logger.WriteTo.Async(sink => sink.File(new CompactJsonFormatter(), Path.Combine(options.Directory, $"{name}-.log"),
                restrictedToMinimumLevel: level, fileSizeLimitBytes: limit, rollOnFileSizeLimit: true,
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: options.RetainedFiles), bufferSize: 50_000,
                blockWhenFull: false);
        }
    }
}
