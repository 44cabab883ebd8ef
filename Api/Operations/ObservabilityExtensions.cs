using Serilog;
using Zones.Api.Infrastructure;
using Zones.ServiceDefaults;

namespace Zones.Api.Operations;

public static class ObservabilityExtensions
{
    /// <summary>The shared foundation (Serilog tagged <c>Service=zones-api</c>, PostgreSQL and Redis checks), the
    /// cluster check that decides readiness, and the OpenAPI document.</summary>
    public static WebApplicationBuilder AddZonesObservability(this WebApplicationBuilder builder)
    {
        builder.AddZonesServiceDefaults("zones-api", logger => logger.Enrich.With<RequestIdLogEnricher>());
        // prometheus-net would otherwise listen to every .NET meter, which turns on ASP.NET Core's and Kestrel's
        // per-request instruments. The Api exports its own counters, prometheus-net's HTTP metrics, and the
        // connection meters of SignalR (hub connections), nothing per request.
        Prometheus.Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = i =>
            i.Meter.Name is "Microsoft.AspNetCore.Http.Connections" or "Microsoft.AspNetCore.SignalR");
        builder.AddZonesClusterCheck<ClusterHealthCheck>();
        builder.Services.AddOpenApi(options => options.AddBearerSecurity());
        return builder;
    }

    /// <summary>One completion line per request with method, path, status, elapsed, user and request id.
    /// Probes and scrapes log at Debug so they do not drown the rest.</summary>
    public static IApplicationBuilder UseZonesRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options =>
        {
            options.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                // The request id comes from RequestIdLogEnricher, as on every other line of the request.
                if (CurrentUser.TryGetId(http.User) is { } userId)
                {
                    diagnostics.Set("UserId", userId);
                }
            };
            options.GetLevel = (http, _, exception) =>
                exception is not null || http.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
                : http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments("/metrics")
                    ? Serilog.Events.LogEventLevel.Debug
                    : Serilog.Events.LogEventLevel.Information;
        });
}
