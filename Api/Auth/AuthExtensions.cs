using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
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

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddSingleton<CachingTokenHandler>();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, CachingTokenHandler>((bearer, jwt, tokens) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TokenHandlers.Clear();
                bearer.TokenHandlers.Add(tokens);
                bearer.TokenValidationParameters = TokenService.ValidationParameters(jwt.Value);
                bearer.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ReadHubToken,
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

    private static Task WriteChallenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var failure = context.AuthenticateFailure;
        context.Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        var message = failure switch
        {
            null => "Authentication is required",
            SecurityTokenExpiredException => "The access token has expired",
            _ => "The access token is invalid",
        };
        return ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized,
            new ErrorBody(Errors.ErrorCodes.Unauthorized, message));
    }
}
