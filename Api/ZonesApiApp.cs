using Zones.Api.Activities;
using Zones.Api.Auth;
using Zones.Api.Images;
using Zones.Api.Infrastructure;
using Zones.Api.Limits;
using Zones.Api.Locations;
using Zones.Api.Operations;
using Zones.Api.Realtime;
using Zones.Api.Statistics;
using Zones.Api.Users;
using Zones.Api.Zones;

namespace Zones.Api;

/// <summary>The Api node: the public entry point for Program.cs and for test hosts.</summary>
public static class ZonesApiApp
{
    /// <summary>Builds the app. <paramref name="configure"/> runs after the Api's own registrations, so a test
    /// host may add configuration, override services, and register its own <see cref="IClusterClient"/>
    /// (or set <c>Orleans:UseExternalClient=true</c>); the Orleans client and the Redis backplane are added
    /// only after it, and the Orleans client only when no <see cref="IClusterClient"/> is registered.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddZonesObservability();  // Serilog, health probes, OpenAPI
        builder.AddZonesEdge();           // JSON shape
        builder.AddZonesAuth();           // JWT bearer, token issuing
        builder.AddZonesRealtime();       // SignalR hub handler, user ids
        builder.AddZonesImages();         // image store and re-encoding
        builder.AddZonesRateLimits();     // rate limits (RateLimits:*) and bounds (Limits:*)
        builder.AddZonesGracefulDrain();  // on shutdown: readiness 503, drain delay, hub connections closed
        configure?.Invoke(builder);       // test hosts: configuration, overrides, their IClusterClient
        builder.AddZonesClusterClient();  // Orleans client (ADO.NET clustering) unless supplied
        builder.AddZonesBackplane();      // SignalR Redis backplane when ConnectionStrings:Redis is set

        var app = builder.Build();
        app.UseZonesGracefulDrain();      // /health/ready 503 while draining
        app.UseZonesEdge();               // request id, logging, errors, auth
        // Every route goes through this group: the answers all endpoints share (429, 500, 503, ...) in OpenAPI.
        var routes = app.MapGroup(string.Empty).WithStandardResponses();
        routes.MapZonesApiOperations();   // /health, /metrics, /openapi, /scalar/v1 in Development
        routes.MapAuthApi();
        routes.MapUsersApi();
        routes.MapZonesApi();
        routes.MapImagesApi();            // uploads, /api/v1/images/{key}
        routes.MapLocationsApi();
        routes.MapActivitiesApi();
        routes.MapStatisticsApi();
        routes.MapZonesRealtime();        // /hubs/zones
        return app;
    }
}
