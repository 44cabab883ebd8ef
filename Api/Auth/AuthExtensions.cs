using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Zones.Api.Infrastructure;

namespace Zones.Api.Auth;

public static class AuthExtensions
{
    /// <summary>JWT bearer auth: tokens from <c>Authorization</c>, or from <c>access_token</c> on the hub
    /// (browsers cannot set headers on WebSockets/SSE). 401/403 answer with the error envelope.</summary>
    public static WebApplicationBuilder AddZonesAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<JwtOptions>, JwtOptionsValidator>();
        builder.Services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AccessTokenRevocations>();
        builder.Services.AddSingleton<RevocationSync>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RevocationSync>());

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddSingleton<CachingTokenHandler>();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, CachingTokenHandler>((bearer, jwt, tokens) =>
            {
                bearer.MapInboundClaims = false;
                // Nothing reads the raw token back from the authentication properties; storing it costs every request.
                bearer.SaveToken = false;
                bearer.TokenHandlers.Clear();
                bearer.TokenHandlers.Add(tokens);
                bearer.TokenValidationParameters = TokenService.ValidationParameters(jwt.Value);
                bearer.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ReadHubToken,
                    OnTokenValidated = RefuseRevoked,
                    OnChallenge = WriteChallenge,
                    OnForbidden = context => ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden,
                        ApiErrors.ForStatus(StatusCodes.Status403Forbidden)),
                };
            });
        builder.Services.AddAuthorization();
        return builder;
    }

    private static Task ReadHubToken(MessageReceivedContext context)
    {
        if (context.HttpContext.Request.Path.StartsWithSegments("/hubs")
            && context.Request.Query["access_token"] is { Count: 1 } token
            && !string.IsNullOrEmpty(token[0]))
        {
            context.Token = token[0];
        }

        return Task.CompletedTask;
    }

    /// <summary>A token of a deleted account, or issued before its user logged out everywhere, is refused here,
    /// from memory (see <see cref="AccessTokenRevocations"/>).</summary>
    private static Task RefuseRevoked(TokenValidatedContext context)
    {
        var revocations = context.HttpContext.RequestServices.GetRequiredService<AccessTokenRevocations>();
        if (CurrentUser.TryGetId(context.Principal) is { } userId
            && context.SecurityToken is JsonWebToken token
            && revocations.IsRevoked(userId, new DateTimeOffset(token.IssuedAt, TimeSpan.Zero).ToUnixTimeSeconds()))
        {
            context.Fail(new SecurityTokenRevokedException("The access token has been revoked"));
        }

        return Task.CompletedTask;
    }

    private static Task WriteChallenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var failure = context.AuthenticateFailure;
        context.Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        var message = failure switch
        {
            null => "Authentication is required",
            SecurityTokenExpiredException => "The access token has expired",
            SecurityTokenRevokedException => "The access token has been revoked",
            _ => "The access token is invalid",
        };
        return ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized,
            new ErrorBody(Errors.ErrorCodes.Unauthorized, message));
    }
}

/// <summary>The token was valid until its user deleted the account or logged out everywhere.</summary>
public sealed class SecurityTokenRevokedException(string message) : SecurityTokenException(message);
