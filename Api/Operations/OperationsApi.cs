using Scalar.AspNetCore;
using Zones.Api.Infrastructure;
using Zones.ServiceDefaults;

namespace Zones.Api.Operations;

/// <summary>/health, /health/live, /health/ready and /metrics (the shared foundation's), /openapi/v1.json, all
/// anonymous, and in Development the interactive API reference at /scalar/v1 over the same document.</summary>
public static class OperationsApi
{
    /// <summary>Where Development serves the interactive API reference (Scalar) of /openapi/v1.json.</summary>
    public const string ReferencePath = "/scalar";

    /// <summary>The reference page runs Scalar's script and styles from this node; the Api's own policy
    /// (<see cref="SecurityHeaders.ContentSecurityPolicy"/>) allows nothing and would leave the page blank.</summary>
    public const string ReferenceContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline' https:; " +
        "font-src 'self' data: https:; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapZonesApiOperations(this IEndpointRouteBuilder app)
    {
        OperationsEndpoints.MapZonesOperations(app);
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
}
