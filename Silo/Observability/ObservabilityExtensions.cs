using Prometheus;
using Serilog;
using Serilog.Formatting.Compact;

namespace Zones.Silo.Observability;

public static class ObservabilityExtensions
{
    /// <summary>Serilog as compact JSON on stdout (the local scripts send stdout to a log file),
    /// tagged with the service and carrying the request id from the Api.</summary>
    public static WebApplicationBuilder AddZonesObservability(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, configuration) => configuration
            .ReadFrom.Configuration(builder.Configuration)
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Orleans", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.With<RequestIdEnricher>()
            .Enrich.WithProperty("Service", "zones-silo")
            .Enrich.WithProperty("Node", Environment.MachineName)
            .WriteTo.Console(new CompactJsonFormatter()));
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>/metrics for Prometheus and the health endpoints.</summary>
    public static WebApplication MapZonesOperations(this WebApplication app)
    {
        ActivityWriterMetrics.Register(app.Services.GetRequiredService<Zones.Silo.Postgres.ActivityWriter>());
        app.UseHttpMetrics();
        app.MapMetrics();
        app.MapGet("/health/live", () => Results.Ok(new { status = "ok" }));
        app.MapGet("/health/ready", SiloHealth.Ready);
        app.MapGet("/health", SiloHealth.Ready);
        return app;
    }
}
