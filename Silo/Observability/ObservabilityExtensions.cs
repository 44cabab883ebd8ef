using Prometheus;
using Zones.ServiceDefaults;

namespace Zones.Silo.Observability;

public static class ObservabilityExtensions
{
    /// <summary>The shared foundation (Serilog tagged <c>Service=zones-silo</c> and carrying the request id from
    /// the Api; PostgreSQL and Redis checks), the membership check that decides readiness, and the bridge that
    /// exports the grains' meters.</summary>
    public static WebApplicationBuilder AddZonesObservability(this WebApplicationBuilder builder)
    {
        builder.AddZonesServiceDefaults("zones-silo", logger => logger.Enrich.With<RequestIdEnricher>());
        builder.AddZonesClusterCheck<ClusterHealthCheck>();
        builder.Services.AddSingleton<ZonesMeterBridge>();
        return builder;
    }

    /// <summary>/metrics for Prometheus (with the writer's counters and HTTP metrics) and the health endpoints.</summary>
    public static WebApplication MapZonesSiloOperations(this WebApplication app)
    {
        app.Services.GetRequiredService<ZonesMeterBridge>();
        ActivityWriterMetrics.Register(app.Services.GetRequiredService<Zones.Silo.Postgres.ActivityWriter>());
        app.UseHttpMetrics();
        app.MapZonesOperations();
        app.MapZonesOrleansDashboard();
        return app;
    }
}
