using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Zones.Accounts;
using Zones.Api.Infrastructure;

namespace Zones.Api.Auth;

/// <summary>An access token and how many seconds it lives.</summary>
public sealed record IssuedAccessToken(string AccessToken, int ExpiresIn);

/// <summary>Issues HS256 access tokens (refresh tokens are the accounts grain's) whose <c>sub</c> is the user id, and says how to validate them.</summary>
public sealed class TokenService(IOptions<JwtOptions> options, TimeProvider time)
{
    public const string EmailClaim = "email";
    public const string UsernameClaim = "username";
    public const string RoleClaim = "role";

    /// <summary>Short-lived tokens: five minutes of default skew would be a third of their life.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new();

    public IssuedAccessToken Issue(UserProfile user)
    {
        var jwt = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(jwt.AccessTokenMinutes),
            SigningCredentials = new SigningCredentials(SigningKey(jwt), SecurityAlgorithms.HmacSha256),
            Subject = new ClaimsIdentity(
            [
                // "D" format: the silo addresses SignalR users by Guid.ToString(), which is the same.
                new Claim(CurrentUser.SubjectClaim, user.Id.ToString("D")),
                new Claim(EmailClaim, user.Email),
                new Claim(UsernameClaim, user.Username),
                new Claim(RoleClaim, user.Role),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            ]),
        };

        return new IssuedAccessToken(_handler.CreateToken(descriptor), jwt.AccessTokenMinutes * 60);
    }

    /// <summary>What the JWT bearer handler checks: our key, issuer, audience and lifetime.</summary>
    public static TokenValidationParameters ValidationParameters(JwtOptions jwt) => new()
    {
        ValidIssuer = jwt.Issuer,
        ValidAudience = jwt.Audience,
        IssuerSigningKey = SigningKey(jwt),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        NameClaimType = UsernameClaim,
        RoleClaimType = RoleClaim,
        ClockSkew = ClockSkew,
    };

    private static SymmetricSecurityKey SigningKey(JwtOptions jwt) => new(Encoding.UTF8.GetBytes(jwt.SigningKey));
}
