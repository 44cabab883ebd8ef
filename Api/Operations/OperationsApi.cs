using Zones.ServiceDefaults;

namespace Zones.Api.Operations;

/// <summary>/health, /health/live, /health/ready and /metrics (the shared foundation's) and /openapi/v1.json,
/// all anonymous.</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapZonesApiOperations(this IEndpointRouteBuilder app)
    {
        OperationsEndpoints.MapZonesOperations(app);
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}
