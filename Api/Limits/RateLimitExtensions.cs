using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Zones.Api.Infrastructure;
using Zones.Api.Locations;
using Zones.Api.Operations;

namespace Zones.Api.Limits;

/// <summary>Marks the endpoints that ingest pings (POST /locations, the hub): with a valid token they skip the
/// general per-IP limit and count against <see cref="IngestionLimiter"/> instead, so that one address carrying
/// many devices (a carrier's NAT, a benchmark) is limited per user, not as one.</summary>
public sealed class IngestionEndpoint
{
    public static readonly IngestionEndpoint Instance = new();
}

public static class RateLimitExtensions
{
    /// <summary>The policy name of POST /auth/register.</summary>
    public const string RegistrationPolicy = "registration";

    /// <summary>Options, the login throttle, the ingestion limiter, and ASP.NET Core's rate limiting middleware
    /// with the general per-IP limit (global) and the registration policy.</summary>
    public static WebApplicationBuilder AddZonesRateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<ApiLimits>().BindConfiguration(ApiLimits.Section)
            .Validate(o => o.MaxPingAge > TimeSpan.Zero && o.MaxPingAge <= TimeSpan.FromDays(3_650),
                "Limits:MaxPingAge must be positive and at most 3650 days (e.g. 7.00:00:00)")
            .ValidateOnStart();
        builder.Services.AddSingleton<ClientAddresses>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<IngestionLimiter>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<RateLimitOptions>, ClientAddresses>((limiter, options, addresses) =>
            {
                var settings = options.Value;
                limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                limiter.OnRejected = OnRejected;
                limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(
                    context => GeneralPartition(context, settings, addresses));
                limiter.AddPolicy(RegistrationPolicy, context => RegistrationPartition(context, settings, addresses));
            });
        return builder;
    }

    /// <summary>After authentication (ingestion is recognised by its token) and routing (by its endpoint).</summary>
    public static WebApplication UseZonesRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    private static RateLimitPartition<string> GeneralPartition(HttpContext context, RateLimitOptions settings, ClientAddresses addresses)
    {
        // Checked first: the ingestion hot path pays for no address key.
        if (!settings.Enabled
            || (context.GetEndpoint()?.Metadata.GetMetadata<IngestionEndpoint>() is not null && CurrentUser.TryGetId(context.User) is not null)
            || addresses.KeyOf(context) is not { } key)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var bucket = settings.GeneralPerIp;
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = bucket.TokenLimit,
            TokensPerPeriod = bucket.TokensPerPeriod,
            ReplenishmentPeriod = bucket.Period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static RateLimitPartition<string> RegistrationPartition(HttpContext context, RateLimitOptions settings, ClientAddresses addresses)
    {
        if (!settings.Enabled || addresses.KeyOf(context) is not { } key)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var window = settings.RegistrationsPerIp;
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = window.Limit,
            Window = window.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static ValueTask OnRejected(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var isRegistration = rejected.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == RegistrationPolicy;
        ZonesMetrics.RateLimited(isRegistration ? "registration" : "general");
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var rejection = new RateLimitedException(isRegistration ? "Too many registrations from this address" : "Too many requests from this address", retryAfter);
        return new ValueTask(RateLimitedException.WriteAsync(rejected.HttpContext, rejection));
    }
}

/// <summary>Bounds the Api enforces itself (configuration section <c>Limits</c> of the Api nodes).</summary>
public sealed class ApiLimits
{
    public const string Section = "Limits";

    /// <summary><c>Limits:MaxPingAge</c>: a ping whose timestamp is further in the past than this (by the node's
    /// clock) is a VALIDATION_ERROR naming it: it says where the device was long ago, not where it is, and its
    /// transitions would land deep in the history. A device offline for longer uploads only its recent pings.</summary>
    public TimeSpan MaxPingAge { get; set; } = LocationRequests.DefaultMaxPingAge;
}
