using Microsoft.AspNetCore.Mvc;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Zones.Activities;
using Zones.Api.Infrastructure;
using static Zones.Api.Infrastructure.OpenApiMetadata;
using Zones.Geofencing;

namespace Zones.Api.Activities;

/// <summary>GET /api/v1/activities: the caller's zone events, newest first, with a cursor. History reads go to
/// a stateless worker so they never queue behind the user's pings.</summary>
public static class ActivitiesApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const int MaxCursorLength = 512;

    public static RouteGroupBuilder MapActivitiesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/activities").RequireAuthorization().WithTags("Activities")
            .WithMetadata(Unauthorized);
        api.MapGet("/", ListActivities).WithName("ListActivities")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest);
        return api;
    }

    private static async Task<Ok<CursorEnvelope<ZoneEvent>>> ListActivities(HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster)
    {
        var query = ParseQuery(request.Query);
        var page = await cluster.GetGrain<IActivityHistoryGrain>(0).Query(CurrentUser.Id(user), query);
        return TypedResults.Ok(new CursorEnvelope<ZoneEvent>(page.Items, new CursorMeta(query.Limit, page.NextCursor)));
    }

    /// <summary>The last millisecond of year 9999, the latest instant .NET and PostgreSQL both represent.</summary>
    public const long MaxTimestamp = 253_402_300_799_999;

    public static ActivityQuery ParseQuery(IQueryCollection query)
    {
        var problems = new ValidationProblems();
        var fields = new QueryFields(query, problems);
        var zoneId = fields.Guid("zoneId");
        var type = fields.OneOf("type", ActivityTypes.Enter, ActivityTypes.Exit, ActivityTypes.Dwell);
        var from = fields.Int64("from", 0, MaxTimestamp);
        var to = fields.Int64("to", 0, MaxTimestamp);
        var limit = fields.Int32("limit", DefaultLimit, 1, MaxLimit);
        var cursor = fields.String("cursor", MaxCursorLength);
        if (from > to)
        {
            problems.Add("from", "must not be after to");
        }

        problems.ThrowIfAny();
        return new ActivityQuery(zoneId, type, from, to, limit, cursor);
    }
}
