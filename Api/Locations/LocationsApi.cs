using Microsoft.AspNetCore.Mvc;
using Zones.Api.Infrastructure;
using static Zones.Api.Infrastructure.OpenApiMetadata;
using Zones.Api.Operations;
using Zones.Geofencing;
using Zones.Users;

namespace Zones.Api.Locations;

/// <summary>POST /api/v1/locations: a batch of pings for the caller's user grain. 200 means the events in
/// the answer are stored (the grain answers only after its commit).</summary>
public static class LocationsApi
{
    public static RouteGroupBuilder MapLocationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/locations").RequireAuthorization().WithTags("Locations")
            .WithMetadata(Unauthorized);
        api.MapPost("/", ReportLocations).WithName("ReportLocations")
            .Accepts<LocationsRequest>("application/json")
            .Produces<Envelope<LocationsResponse>>(StatusCodes.Status200OK)
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest);
        return api;
    }

    /// <summary>The hot path: the body is read from the request pipe and parsed in one pass
    /// (<see cref="PingReader"/>); only a body that is not plainly valid goes through the general validation,
    /// which names every problem. The answer is written straight to the response.</summary>
    private static async Task ReportLocations(HttpContext http, [FromServices] IClusterClient cluster, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var body = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        LocationBatch batch;
        try
        {
            batch = PingReader.TryRead(body.Content, (now + LocationRequests.MaxClockAhead).ToUnixTimeMilliseconds())
                    ?? LocationRequests.Parse(JsonBody.ParseObject(body.Content), now);
        }
        finally
        {
            body.Release();
        }

        var report = await Report(cluster, CurrentUser.Id(http.User), batch);
        await LocationsResponse.WriteAsync(http.Response, report);
    }

    /// <summary>The one call path for pings, from HTTP and from the hub alike.</summary>
    internal static async Task<LocationReport> Report([FromServices] IClusterClient cluster, Guid userId, LocationBatch batch)
    {
        ZonesMetrics.PingsReceived(batch.Pings.Count);
        var grain = cluster.GetGrain<IUserGrain>(userId);
        var report = await PingRetry.RunAsync(() => grain.ReportLocations(batch));
        ZonesMetrics.EventsReturned(report.Events);
        return report;
    }
}
