using Microsoft.AspNetCore.Mvc;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
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
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest);
        return api;
    }

    private static async Task<Ok<Envelope<LocationsResponse>>> ReportLocations(
        HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster, TimeProvider time, CancellationToken cancellationToken)
    {
        var batch = LocationRequests.Parse(await JsonBody.ReadObjectAsync(request, cancellationToken), time.GetUtcNow());
        var report = await Report(cluster, CurrentUser.Id(user), batch);
        return TypedResults.Ok(new Envelope<LocationsResponse>(LocationsResponse.From(report)));
    }

    /// <summary>The one call path for pings, from HTTP and from the hub alike.</summary>
    internal static async Task<LocationReport> Report([FromServices] IClusterClient cluster, Guid userId, LocationBatch batch)
    {
        ZonesMetrics.PingsReceived(batch.Pings.Count);
        var report = await cluster.GetGrain<IUserGrain>(userId).ReportLocations(batch);
        ZonesMetrics.EventsReturned(report.Events);
        return report;
    }
}
