using Serilog;
using Serilog.Formatting.Compact;
using Zones.Api.Infrastructure;

namespace Zones.Api.Operations;

public static class ObservabilityExtensions
{
    /// <summary>Serilog as the one sink (compact JSON on stdout, <c>Service=zones-api</c>), health probes,
    /// and the OpenAPI document. Levels come from the <c>Serilog</c> configuration section.</summary>
    public static WebApplicationBuilder AddZonesObservability(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .Enrich.With<RequestIdLogEnricher>()
            .Enrich.WithProperty("Service", "zones-api")
            // Written by a background thread: a request never waits on the console (or the pipe behind it). The
            // buffer is bounded; if it ever fills, lines are dropped rather than requests slowed.
            .WriteTo.Async(sink => sink.Console(new CompactJsonFormatter()), bufferSize: 50_000, blockWhenFull: false));
        // prometheus-net would otherwise listen to every .NET meter, which turns on ASP.NET Core's and Kestrel's
        // per-request instruments. The Api exports its own counters, prometheus-net's HTTP metrics, and the
        // connection meters of SignalR (hub connections), nothing per request.
        Prometheus.Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = i =>
            i.Meter.Name is "Microsoft.AspNetCore.Http.Connections" or "Microsoft.AspNetCore.SignalR");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddSingleton<HealthProbe>();
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
                diagnostics.Set(RequestIds.LogProperty, http.TraceIdentifier);
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
