using System.Security.Claims;

namespace Zones.Api.Infrastructure;

/// <summary>The caller's user id, from the access token's <c>sub</c> claim.</summary>
public static class CurrentUser
{
    public const string SubjectClaim = "sub";

    public static Guid? TryGetId(ClaimsPrincipal? user) =>
        Guid.TryParse(user?.FindFirst(SubjectClaim)?.Value, out var id) ? id : null;

    /// <summary>Endpoints that require authorization reach here only with a valid token; a token without
    /// a usable <c>sub</c> is still not a user.</summary>
    public static Guid Id(ClaimsPrincipal user) =>
        TryGetId(user) ?? throw ApiErrors.Unauthorized("The access token does not name a user");
}
