using Prometheus;
using Serilog;
using Serilog.Formatting.Compact;

namespace Zones.Silo.Observability;

public static class ObservabilityExtensions
{
    /// <summary>Serilog as compact JSON on stdout (the local scripts send stdout to a log file),
    /// tagged with the service and carrying the request id from the Api. Levels come from the
    /// <c>Serilog</c> configuration section (appsettings.json; Npgsql is kept at Warning because it logs
    /// every command at Information).</summary>
    public static WebApplicationBuilder AddZonesObservability(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, configuration) => configuration
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .Enrich.With<RequestIdEnricher>()
            .Enrich.WithProperty("Service", "zones-silo")
            .Enrich.WithProperty("Node", Environment.MachineName)
            // Written by a background thread, so a grain turn never waits on the console; bounded, drops when full.
            .WriteTo.Async(sink => sink.Console(new CompactJsonFormatter()), bufferSize: 50_000, blockWhenFull: false));
        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton<ZonesMeterBridge>();
        return builder;
    }

    /// <summary>/metrics for Prometheus and the health endpoints.</summary>
    public static WebApplication MapZonesOperations(this WebApplication app)
    {
        app.Services.GetRequiredService<ZonesMeterBridge>();
        ActivityWriterMetrics.Register(app.Services.GetRequiredService<Zones.Silo.Postgres.ActivityWriter>());
        app.UseHttpMetrics();
        app.MapMetrics();
        app.MapGet("/health/live", () => Results.Ok(new { status = "ok" }));
        app.MapGet("/health/ready", SiloHealth.Ready);
        app.MapGet("/health", SiloHealth.Ready);
        app.MapZonesOrleansDashboard();
        return app;
    }
}
