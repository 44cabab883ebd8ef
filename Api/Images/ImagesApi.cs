using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Zones.Accounts;
using Zones.Api.Auth;
using Zones.Api.Infrastructure;
using Zones.Api.Zones;
using Zones.Users;
using static Zones.Api.Infrastructure.OpenApiMetadata;

namespace Zones.Api.Images;

/// <summary>The multipart form of an image upload, for the OpenAPI document: one part named <c>file</c>.</summary>
public sealed record ImageUploadForm(IFormFile File);

/// <summary>Image uploads for the caller's profile and zones, and <c>GET /api/v1/images/{key}</c> that serves them.
/// Image URLs are capabilities: 128 random bits, handed only to the owner, served without a token so that an
/// <c>img</c> element can show them.</summary>
public static partial class ImagesApi
{
    private const string LogCategory = "Zones.Api.Images";

    /// <summary>A URL's content never changes (a new upload gets a new key), so caches may keep it for a year.</summary>
    public const string CacheControl = "public, max-age=31536000, immutable";

    public static IEndpointRouteBuilder MapImagesApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/v1/users/me/image", PutProfileImage).WithName("PutProfileImage").WithTags("Users")
            .RequireAuthorization().WithUploadMetadata();
        app.MapPut("/api/v1/zones/{id:guid}/image", PutZoneImage).WithName("PutZoneImage").WithTags("Zones")
            .RequireAuthorization().WithUploadMetadata()
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        app.MapGet(ImageKeys.RoutePrefix + "/{key}", GetImage).WithName("GetImage").WithTags("Images").AllowAnonymous()
            .Produces<Stream>(StatusCodes.Status200OK, ImageKeys.ContentType)
            .Produces(StatusCodes.Status304NotModified)
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        return app;
    }

    private static RouteHandlerBuilder WithUploadMetadata(this RouteHandlerBuilder endpoint) => endpoint
        .Accepts<ImageUploadForm>("multipart/form-data")
        .WithMetadata(Unauthorized)
        .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
        .Produces<ErrorEnvelope>(StatusCodes.Status413PayloadTooLarge)
        .Produces<ErrorEnvelope>(StatusCodes.Status415UnsupportedMediaType);

    private static async Task<Ok<Envelope<UserDto>>> PutProfileImage(
        HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster, ImageService images,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.Id(user);
        var upload = await ImageUploads.ReadFileAsync(request, cancellationToken);
        var stored = await images.StoreAsync(upload, cancellationToken);
        var change = await Recording(images, stored, () => cluster.GetGrain<IAccountsGrain>(0).SetProfileImage(userId, stored.Url))
            ?? throw ApiErrors.Unauthorized("The account no longer exists");
        await images.DeleteQuietlyAsync(change.PreviousImageUrl);
        ProfileImageSet(loggers.CreateLogger(LogCategory), userId, stored.Key);
        return TypedResults.Ok(new Envelope<UserDto>(UserDto.From(change.User)));
    }

    private static async Task<Ok<Envelope<ZoneDto>>> PutZoneImage(
        Guid id, HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster, ImageService images,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.Id(user);
        var grain = cluster.UserGrain(userId);
        // Another user's zone (or none) is 404 before any decoding or storing.
        _ = await grain.GetZone(id) ?? throw ZoneNotFound(id);
        var upload = await ImageUploads.ReadFileAsync(request, cancellationToken);
        var stored = await images.StoreAsync(upload, cancellationToken);
        var change = await Recording(images, stored, () => grain.SetZoneImage(id, stored.Url)) ?? throw ZoneNotFound(id);
        await images.DeleteQuietlyAsync(change.PreviousImageUrl);
        ZoneImageSet(loggers.CreateLogger(LogCategory), id, userId, stored.Key);
        return TypedResults.Ok(new Envelope<ZoneDto>(ZoneDto.From(change.Zone)));
    }

    /// <summary>Records the stored image on its owner; when that fails or the owner is gone, the new file goes.</summary>
    private static async Task<T?> Recording<T>(ImageService images, StoredImage stored, Func<Task<T?>> record) where T : class
    {
        T? change;
        try
        {
            change = await record();
        }
        catch
        {
            await images.DeleteQuietlyAsync(stored.Url);
            throw;
        }

        if (change is null)
        {
            await images.DeleteQuietlyAsync(stored.Url);
        }

        return change;
    }

    private static async Task<IResult> GetImage(string key, ImageService images, CancellationToken cancellationToken)
    {
        if (!ImageKeys.IsValid(key) || await images.Store.OpenReadAsync(key, cancellationToken) is not { } content)
        {
            throw ApiErrors.NotFound("No such image");
        }

        return new CachedImage(content, key);
    }

    private static Errors.ZonesException ZoneNotFound(Guid id) => ApiErrors.NotFound($"Zone {id} not found");

    /// <summary>The stored bytes with their type, a strong ETag (the key: a key's content never changes) and
    /// long-lived cache headers; a matching If-None-Match is answered 304 by the stream result.</summary>
    private sealed class CachedImage(Stream content, string key) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = CacheControl;
            return TypedResults.Stream(content, ImageKeys.ContentType,
                entityTag: new EntityTagHeaderValue($"\"{key[..^ImageKeys.Extension.Length]}\"")).ExecuteAsync(httpContext);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} set their profile image {ImageKey}")]
    private static partial void ProfileImageSet(ILogger logger, Guid userId, string imageKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Zone {ZoneId} of {UserId} got image {ImageKey}")]
    private static partial void ZoneImageSet(ILogger logger, Guid zoneId, Guid userId, string imageKey);
}
