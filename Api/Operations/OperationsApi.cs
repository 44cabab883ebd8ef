using Prometheus;
using Scalar.AspNetCore;
using Zones.Api.Infrastructure;

namespace Zones.Api.Operations;

/// <summary>The answer of /health/live: the process runs.</summary>
public sealed record LiveReport(string Status);

/// <summary>/health, /health/live, /health/ready, /metrics and /openapi/v1.json, all anonymous, and in Development
/// the interactive API reference at /scalar/v1 over the same document.
/// Health bodies are the documented health shape, not the envelope, also when they answer 503.</summary>
public static class OperationsApi
{
    /// <summary>Where Development serves the interactive API reference (Scalar) of /openapi/v1.json.</summary>
    public const string ReferencePath = "/scalar";

    /// <summary>The reference page runs Scalar's script and styles from this node; the Api's own policy
    /// (<see cref="SecurityHeaders.ContentSecurityPolicy"/>) allows nothing and would leave the page blank.</summary>
    public const string ReferenceContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline' https:; " +
        "font-src 'self' data: https:; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapZonesOperations(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Operations").AllowAnonymous();
        health.MapGet("/", Health).WithName("Health").WithHealthResponses();
        health.MapGet("/ready", Health).WithName("Ready").WithHealthResponses();
        health.MapGet("/live", () => TypedResults.Ok(new LiveReport("ok"))).WithName("Live");
        app.MapMetrics().AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        if (app.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            app.MapScalarApiReference(ReferencePath).AllowAnonymous().ExcludeFromDescription()
                .AddEndpointFilter(static (context, next) =>
                {
                    context.HttpContext.Response.Headers.ContentSecurityPolicy = ReferenceContentSecurityPolicy;
                    return next(context);
                });
        }

        return app;
    }

    private static RouteHandlerBuilder WithHealthResponses(this RouteHandlerBuilder endpoint) => endpoint
        .Produces<HealthReport>(StatusCodes.Status200OK)
        .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);

    /// <summary>/health and /health/ready answer alike: 200 only when every configured dependency answers
    /// and a silo does, else 503 with the same body so an operator sees which check failed.</summary>
    private static async Task<IResult> Health(HealthProbe probe, CancellationToken cancellationToken)
    {
        var report = await probe.CheckAsync(cancellationToken);
        return TypedResults.Json(report, statusCode: report.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
