using Prometheus;

namespace Zones.Api.Operations;

/// <summary>/health, /health/live, /health/ready, /metrics and /openapi/v1.json, all anonymous.
/// Health bodies are the documented health shape, not the envelope, also when they answer 503.</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapZonesOperations(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Operations").AllowAnonymous();
        health.MapGet("/", Health).WithName("Health");
        health.MapGet("/ready", Health).WithName("Ready");
        health.MapGet("/live", () => TypedResults.Ok(new { status = "ok" })).WithName("Live");
        app.MapMetrics().AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }

    /// <summary>/health and /health/ready answer alike: 200 only when every configured dependency answers
    /// and a silo does, else 503 with the same body so an operator sees which check failed.</summary>
    private static async Task<IResult> Health(HealthProbe probe, CancellationToken cancellationToken)
    {
        var report = await probe.CheckAsync(cancellationToken);
        return TypedResults.Json(report, statusCode: report.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
