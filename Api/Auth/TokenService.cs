using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Zones.Accounts;
using Zones.Api.Infrastructure;

namespace Zones.Api.Auth;

/// <summary>An access token and the (not yet stored) refresh token handed out at register/login.</summary>
public sealed record IssuedTokens(string AccessToken, string RefreshToken, int ExpiresIn);

/// <summary>Issues HS256 access tokens whose <c>sub</c> is the user id, and says how to validate them.</summary>
public sealed class TokenService(IOptions<JwtOptions> options, TimeProvider time)
{
    public const string EmailClaim = "email";
    public const string UsernameClaim = "username";
    public const string RoleClaim = "role";

    private readonly JsonWebTokenHandler _handler = new();

    public IssuedTokens Issue(UserProfile user)
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

        return new IssuedTokens(_handler.CreateToken(descriptor), NewRefreshToken(), jwt.AccessTokenMinutes * 60);
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
        // Short-lived tokens: five minutes of default skew would be a third of their life.
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    /// <summary>Opaque for now: refresh and logout (storage, rotation, families) come in a later issue,
    /// so this token is not stored and cannot yet be redeemed.</summary>
    private static string NewRefreshToken() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static SymmetricSecurityKey SigningKey(JwtOptions jwt) => new(Encoding.UTF8.GetBytes(jwt.SigningKey));
}
