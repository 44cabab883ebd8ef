using Prometheus;
using Serilog.Context;
using Zones.Api.Limits;
using Zones.Api.Operations;

namespace Zones.Api.Infrastructure;

public static class EdgeExtensions
{
    /// <summary>The JSON shape of HTTP answers.</summary>
    public static WebApplicationBuilder AddZonesEdge(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => ZonesJson.Apply(o.SerializerOptions));
        builder.AddZonesSecurity();
        return builder;
    }

    /// <summary>The middleware, outermost first: forwarded headers, HSTS and HTTPS redirect (outside
    /// Development), request id (so everything below logs and answers with it),
    /// request logging, the exception handler, status-code pages (404/405/... without a body get the
    /// envelope), routing, CORS, HTTP metrics (after routing, to label by route), authentication, the user id
    /// on log lines, rate limits (after authentication: ingestion is limited per user), authorization.</summary>
    public static WebApplication UseZonesEdge(this WebApplication app)
    {
        app.UseZonesTransportSecurity();
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseZonesRequestLogging();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseStatusCodePages(context => ErrorResponses.WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode,
            ApiErrors.ForStatus(context.HttpContext.Response.StatusCode, context.HttpContext.Request.Method, context.HttpContext.Request.Path)));
        app.UseRouting();
        app.UseZonesCors();
        // One histogram per route and status: its _count is the request count, so the separate counter and the
        // in-progress gauge (two more middlewares on every request) are off.
        app.UseHttpMetrics(options =>
        {
            options.RequestCount.Enabled = false;
            options.InProgress.Enabled = false;
        });
        app.UseAuthentication();
        app.Use(static async (context, next) =>
        {
            using (CurrentUser.TryGetId(context.User) is { } userId ? LogContext.PushProperty("UserId", userId) : null)
            {
                await next(context);
            }
        });
        app.UseZonesRateLimits();
        app.UseAuthorization();
        return app;
    }
}
