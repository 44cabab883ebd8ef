using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace Zones.ServiceDefaults;

/// <summary><c>/health</c>, <c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c>, all anonymous, the
/// same on every node. Health bodies are the documented shape (API.md), never exception text: the body is readable
/// by anyone who reaches the port; the framework logs each failed check with its exception.</summary>
public static class OperationsEndpoints
{
    static readonly DateTimeOffset Started = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    /// <summary><c>/health</c> answers 200 only when every check passes, else 503 with status <c>degraded</c>.
    /// <c>/health/ready</c> runs the same checks with the same body but answers 503 only when a check that decides
    /// readiness (the node's cluster check) fails: a PostgreSQL or Redis outage leaves the node in the balancer.</summary>
    public static IEndpointRouteBuilder MapZonesOperations(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Operations").AllowAnonymous();
        health.MapHealthChecks("/", Options(degraded: StatusCodes.Status503ServiceUnavailable)).WithName("Health");
        health.MapHealthChecks("/ready", Options(degraded: StatusCodes.Status200OK)).WithName("Ready");
        health.MapGet("/live", () => TypedResults.Ok(new { status = "ok" })).WithName("Live");
        app.MapMetrics().AllowAnonymous();
        return app;
    }

    static HealthCheckOptions Options(int degraded) => new()
    {
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = degraded,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        ResponseWriter = WriteAsync,
    };

    /// <summary><c>{status: ok|degraded, timestamp, uptime, checks: {name: {status: ok|failed|skipped, latencyMs,
    /// error?: timeout|unreachable}}}</c>.</summary>
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var now = DateTimeOffset.UtcNow;
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status == HealthStatus.Healthy ? "ok" : "degraded");
        json.WriteNumber("timestamp", now.ToUnixTimeMilliseconds());
        json.WriteNumber("uptime", Math.Round((now - Started).TotalSeconds, 3));
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            var passed = entry.Status == HealthStatus.Healthy;
            json.WriteString("status", !passed ? "failed" : entry.Description == DependencyChecks.Skipped ? "skipped" : "ok");
            json.WriteNumber("latencyMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            if (!passed)
            {
                json.WriteString("error", entry.Exception is OperationCanceledException or TimeoutException ? "timeout" : "unreachable");
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
