using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.HttpResults;
using Zones.Accounts;
using Zones.Api.Infrastructure;
using Zones.Api.Limits;
using Zones.Api.Operations;

namespace Zones.Api.Auth;

/// <summary>POST /api/v1/auth/register, /login, /refresh and /logout. Sessions (refresh-token families) live in the
/// accounts grain; access tokens are signed here.</summary>
public static partial class AuthApi
{
    private const string LogCategory = "Zones.Api.Auth";

    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/auth").WithTags("Auth").AllowAnonymous();
        api.MapPost("/register", Register).WithName("Register")
            .RequireRateLimiting(RateLimitExtensions.RegistrationPolicy)
            .Accepts<RegisterRequest>("application/json")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status409Conflict)
            .Produces<ErrorEnvelope>(StatusCodes.Status429TooManyRequests);
        api.MapPost("/login", Login).WithName("Login")
            .Accepts<LoginRequest>("application/json")
            .Produces<ErrorEnvelope>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorEnvelope>(StatusCodes.Status429TooManyRequests);
        api.MapPost("/refresh", Refresh).WithName("Refresh")
            .Accepts<RefreshRequest>("application/json")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status401Unauthorized);
        api.MapPost("/logout", Logout).WithName("Logout")
            .Accepts<LogoutRequest>("application/json")
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status401Unauthorized);
        return api;
    }

    private static async Task<Created<Envelope<AuthResponse>>> Register(
        HttpRequest request, [FromServices] IClusterClient cluster, TokenService tokens, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var registration = AuthRequests.ParseRegistration(await JsonBody.ReadObjectAsync(request, cancellationToken));
        var logger = loggers.CreateLogger(LogCategory);
        UserProfile user;
        try
        {
            user = await cluster.GetGrain<IAccountsGrain>(0).Register(registration);
        }
        catch (Errors.ConflictException)
        {
            ZonesMetrics.AuthAttempt("register", "conflict");
            RegistrationConflict(logger);
            throw;
        }

        ZonesMetrics.AuthAttempt("register", "success");
        Registered(logger, user.Id);
        // No GET /users/{id}; /users/me is where the caller's own profile lives.
        var refresh = await cluster.GetGrain<IAccountsGrain>(0).StartSession(user.Id);
        return TypedResults.Created("/api/v1/users/me", new Envelope<AuthResponse>(Answer(user, refresh, tokens)));
    }

    /// <summary>Failed logins are limited per account and per address (<see cref="LoginThrottle"/>): checked before the
    /// password is, counted only when it was wrong.</summary>
    private static async Task<Ok<Envelope<AuthResponse>>> Login(
        HttpRequest request, [FromServices] IClusterClient cluster, TokenService tokens, LoginThrottle throttle, ClientAddresses addresses,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (email, password) = AuthRequests.ParseLogin(await JsonBody.ReadObjectAsync(request, cancellationToken));
        var logger = loggers.CreateLogger(LogCategory);
        var address = addresses.KeyOf(request.HttpContext);
        try
        {
            throttle.ThrowIfBlocked(address, email);
        }
        catch (RateLimitedException)
        {
            ZonesMetrics.RateLimited("login");
            LoginThrottled(logger, MaskEmail(email));
            throw;
        }

        var user = await cluster.GetGrain<IAccountsGrain>(0).Login(email, password);
        if (user is null)
        {
            throttle.RecordFailure(address, email);
            ZonesMetrics.AuthAttempt("login", "failure");
            LoginFailed(logger, MaskEmail(email));
            // One message for unknown email and wrong password: no account enumeration.
            throw ApiErrors.Unauthorized("Invalid email or password");
        }

        throttle.RecordSuccess(email);
        ZonesMetrics.AuthAttempt("login", "success");
        LoggedIn(logger, user.Id);
        var refresh = await cluster.GetGrain<IAccountsGrain>(0).StartSession(user.Id);
        return TypedResults.Ok(new Envelope<AuthResponse>(Answer(user, refresh, tokens)));
    }

    private static async Task<Ok<Envelope<AuthResponse>>> Refresh(
        HttpRequest request, [FromServices] IClusterClient cluster, TokenService tokens, CancellationToken cancellationToken)
    {
        var refreshToken = AuthRequests.ParseRefresh(await JsonBody.ReadObjectAsync(request, cancellationToken));
        if (await cluster.GetGrain<IAccountsGrain>(0).Refresh(refreshToken) is not { } session)
        {
            ZonesMetrics.AuthAttempt("refresh", "failure");
            // Unknown, expired, revoked and replayed all read the same: the client signs in again.
            throw ApiErrors.Unauthorized("The refresh token is invalid, expired or revoked");
        }

        ZonesMetrics.AuthAttempt("refresh", "success");
        return TypedResults.Ok(new Envelope<AuthResponse>(Answer(session.User, session.Refresh, tokens)));
    }

    private static async Task<NoContent> Logout(
        HttpRequest request, [FromServices] IClusterClient cluster, RevocationSync revocations, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var (refreshToken, allDevices) = AuthRequests.ParseLogout(await JsonBody.ReadObjectAsync(request, cancellationToken));
        var revocation = await cluster.GetGrain<IAccountsGrain>(0).Logout(refreshToken, allDevices);
        if (allDevices)
        {
            // Ending every session needs proof of one; a plain logout of a dead token is a harmless no-op.
            if (revocation is null)
            {
                throw ApiErrors.Unauthorized("The refresh token is invalid, expired or revoked");
            }

            await revocations.PublishAsync(revocation);
            LoggedOutEverywhere(loggers.CreateLogger(LogCategory), revocation.UserId);
        }

        return TypedResults.NoContent();
    }

    private static AuthResponse Answer(UserProfile user, RefreshGrant refresh, TokenService tokens)
    {
        var issued = tokens.Issue(user);
        return new AuthResponse(UserDto.From(user), issued.AccessToken, refresh.Token, issued.ExpiresIn);
    }

    /// <summary>Enough to spot an attack on one account in the logs without writing addresses out.</summary>
    internal static string MaskEmail(string email)
    {
        var at = email.IndexOf('@');
        return at <= 0 ? "***" : $"{email[0]}***{email[at..]}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} registered")]
    private static partial void Registered(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registration refused: email or username taken")]
    private static partial void RegistrationConflict(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Login succeeded for {UserId}")]
    private static partial void LoggedIn(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} logged out on every device")]
    private static partial void LoggedOutEverywhere(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Login refused for {MaskedEmail}: too many failed logins")]
    private static partial void LoginThrottled(ILogger logger, string maskedEmail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Login failed for {MaskedEmail}")]
    private static partial void LoginFailed(ILogger logger, string maskedEmail);
}
