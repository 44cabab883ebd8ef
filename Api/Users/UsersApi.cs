using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Zones.Accounts;
using Zones.Api.Auth;
using Zones.Api.Images;
using Zones.Api.Infrastructure;
using Zones.Api.Zones;
using Zones.Users;
using static Zones.Api.Infrastructure.OpenApiMetadata;

namespace Zones.Api.Users;

/// <summary>/api/v1/users/me: the caller's own account, through the accounts grain.</summary>
public static partial class UsersApi
{
    private const string LogCategory = "Zones.Api.Users";

    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/users").RequireAuthorization().WithTags("Users")
            .WithMetadata(Unauthorized);
        api.MapGet("/me", GetMe).WithName("GetMe");
        api.MapPatch("/me", UpdateMe).WithName("UpdateMe")
            .Accepts<ProfilePatchRequest>("application/json")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status409Conflict);
        api.MapDelete("/me", DeleteMe).WithName("DeleteMe");
        return api;
    }

    private static async Task<Ok<Envelope<UserDto>>> GetMe(ClaimsPrincipal user, [FromServices] IClusterClient cluster)
    {
        var profile = await Accounts(cluster).GetUser(CurrentUser.Id(user)) ?? throw AccountGone();
        return TypedResults.Ok(new Envelope<UserDto>(UserDto.From(profile)));
    }

    private static async Task<Ok<Envelope<UserDto>>> UpdateMe(
        HttpRequest request, ClaimsPrincipal user, [FromServices] IClusterClient cluster, CancellationToken cancellationToken)
    {
        var changes = UserRequests.ParsePatch(await JsonBody.ReadObjectAsync(request, cancellationToken));
        var profile = await Accounts(cluster).UpdateProfile(CurrentUser.Id(user), changes) ?? throw AccountGone();
        return TypedResults.Ok(new Envelope<UserDto>(UserDto.From(profile)));
    }

    private static async Task<NoContent> DeleteMe(
        ClaimsPrincipal user, [FromServices] IClusterClient cluster, RevocationSync revocations, ImageService images, ILoggerFactory loggers)
    {
        var userId = CurrentUser.Id(user);
        var profile = await Accounts(cluster).GetUser(userId);
        var revocation = await Accounts(cluster).DeleteAccount(userId) ?? throw AccountGone();
        await revocations.PublishAsync(revocation);
        AccountDeleted(loggers.CreateLogger(LogCategory), userId);
        await DeleteImagesAsync(cluster.UserGrain(userId), profile?.ProfileImageUrl, images);
        return TypedResults.NoContent();
    }

    /// <summary>A deleted account keeps its zones and history for retention, but its pictures (a face, a home) go
    /// at once: the profile image and every zone's image.</summary>
    private static async Task DeleteImagesAsync(IUserGrain zones, string? profileImageUrl, ImageService images)
    {
        await images.DeleteQuietlyAsync(profileImageUrl);
        for (var page = 1; ; page++)
        {
            var result = await zones.ListZones(page, ZonesApi.MaxLimit);
            foreach (var zone in result.Items)
            {
                await images.DeleteQuietlyAsync(zone.ImageUrl);
            }

            if (result.Items.Count < ZonesApi.MaxLimit)
            {
                return;
            }
        }
    }

    private static IAccountsGrain Accounts(IClusterClient cluster) => cluster.GetGrain<IAccountsGrain>(0);

    /// <summary>A valid token whose account was deleted on another node a moment ago, before the revocation arrived.</summary>
    private static Errors.ZonesException AccountGone() => ApiErrors.Unauthorized("The account no longer exists");

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} deleted their account")]
    private static partial void AccountDeleted(ILogger logger, Guid userId);
}
