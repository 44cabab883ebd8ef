using Microsoft.AspNetCore.Mvc;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Zones.Api.Images;
using Zones.Api.Infrastructure;
using static Zones.Api.Infrastructure.OpenApiMetadata;
using Zones.Nearby;
using Zones.Users;

namespace Zones.Api.Zones;

/// <summary>/api/v1/zones: the caller's zones, through the caller's own user grain. Another user's zone id
/// answers 404 because that grain simply does not know it.</summary>
public static partial class ZonesApi
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const double NearbyDefaultRadius = 1_000;
    public const double NearbyMaxRadius = 50_000;
    public const int NearbyDefaultLimit = 100;
    public const int NearbyMaxLimit = 1_000;
    private const string LogCategory = "Zones.Api.Zones";

    public static RouteGroupBuilder MapZonesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/zones").RequireAuthorization().WithTags("Zones")
            .WithMetadata(Unauthorized);
        api.MapGet("/", ListZones).WithName("ListZones")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest);
        api.MapGet("/nearby", NearbyZones).WithName("NearbyZones")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest);
        api.MapGet("/{id:guid}", GetZone).WithName("GetZone")
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        api.MapPost("/", CreateZone).WithName("CreateZone")
            .Accepts<ZoneRequest>("application/json")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status409Conflict); // Limits:MaxZonesPerUser reached
        api.MapPut("/{id:guid}", ReplaceZone).WithName("ReplaceZone")
            .Accepts<ZoneRequest>("application/json")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        api.MapDelete("/{id:guid}", DeleteZone).WithName("DeleteZone")
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<Ok<PagedEnvelope<ZoneDto>>> ListZones(HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster)
    {
        var problems = new ValidationProblems();
        var query = new QueryFields(request.Query, problems);
        var page = query.Int32("page", 1, 1, int.MaxValue);
        var limit = query.Int32("limit", DefaultLimit, 1, MaxLimit);
        problems.ThrowIfAny();

        var result = await UserGrain(cluster, user).ListZones(page, limit);
        return TypedResults.Ok(new PagedEnvelope<ZoneDto>(
            result.Items.Select(ZoneDto.From).ToList(), new PageMeta(page, limit, result.Total)));
    }

    /// <summary>The caller's zones whose centre is within <c>radius</c> metres (default 1,000) of the point, nearest
    /// first, at most <c>limit</c> (default 100).</summary>
    private static async Task<Ok<Envelope<IReadOnlyList<NearbyZoneDto>>>> NearbyZones(
        HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster)
    {
        var problems = new ValidationProblems();
        var query = new QueryFields(request.Query, problems);
        var latitude = query.Double("latitude", required: true, -90, 90);
        var longitude = query.Double("longitude", required: true, -180, 180);
        var radius = query.Double("radius", required: false, 1, NearbyMaxRadius) ?? NearbyDefaultRadius;
        var limit = query.Int32("limit", NearbyDefaultLimit, 1, NearbyMaxLimit);
        problems.ThrowIfAny();

        var found = await cluster.GetGrain<INearbyZonesGrain>(0)
            .Find(CurrentUser.Id(user), new NearbyQuery(latitude!.Value, longitude!.Value, radius, limit));
        return TypedResults.Ok(new Envelope<IReadOnlyList<NearbyZoneDto>>(found.Select(NearbyZoneDto.From).ToList()));
    }

    private static async Task<Ok<Envelope<ZoneDto>>> GetZone(Guid id, ClaimsPrincipal user, [FromServices] IClusterClient cluster)
    {
        var zone = await UserGrain(cluster, user).GetZone(id) ?? throw ZoneNotFound(id);
        return TypedResults.Ok(new Envelope<ZoneDto>(ZoneDto.From(zone)));
    }

    private static async Task<Created<Envelope<ZoneDto>>> CreateZone(
        HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var definition = ZoneRequests.Parse(await JsonBody.ReadObjectAsync(request, cancellationToken));
        var userId = CurrentUser.Id(user);
        var zone = await cluster.UserGrain(userId).CreateZone(definition);
        ZoneCreated(loggers.CreateLogger(LogCategory), zone.Id, userId, definition.Polygon is null ? "circle" : "polygon");
        return TypedResults.Created($"/api/v1/zones/{zone.Id}", new Envelope<ZoneDto>(ZoneDto.From(zone)));
    }

    private static async Task<Ok<Envelope<ZoneDto>>> ReplaceZone(
        Guid id, HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var definition = ZoneRequests.Parse(await JsonBody.ReadObjectAsync(request, cancellationToken));
        var userId = CurrentUser.Id(user);
        var zone = await cluster.UserGrain(userId).UpdateZone(id, definition) ?? throw ZoneNotFound(id);
        ZoneUpdated(loggers.CreateLogger(LogCategory), zone.Id, userId);
        return TypedResults.Ok(new Envelope<ZoneDto>(ZoneDto.From(zone)));
    }

    private static async Task<NoContent> DeleteZone(
        Guid id, ClaimsPrincipal user, [FromServices] IClusterClient cluster, ImageService images, ILoggerFactory loggers)
    {
        var userId = CurrentUser.Id(user);
        var grain = cluster.UserGrain(userId);
        var zone = await grain.GetZone(id);
        if (zone is null || !await grain.DeleteZone(id))
        {
            throw ZoneNotFound(id);
        }

        // The zone row stays (soft delete) but nothing will show its image again.
        await images.DeleteQuietlyAsync(zone.ImageUrl);
        ZoneDeleted(loggers.CreateLogger(LogCategory), id, userId);
        return TypedResults.NoContent();
    }

    private static IUserGrain UserGrain([FromServices] IClusterClient cluster, ClaimsPrincipal user) =>
        cluster.UserGrain(CurrentUser.Id(user));

    private static Errors.ZonesException ZoneNotFound(Guid id) => ApiErrors.NotFound($"Zone {id} not found");

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {ZoneId} ({Shape}) created for {UserId}")]
    private static partial void ZoneCreated(ILogger logger, Guid zoneId, Guid userId, string shape);

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {ZoneId} replaced by {UserId}")]
    private static partial void ZoneUpdated(ILogger logger, Guid zoneId, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {ZoneId} deleted by {UserId}")]
    private static partial void ZoneDeleted(ILogger logger, Guid zoneId, Guid userId);
}
