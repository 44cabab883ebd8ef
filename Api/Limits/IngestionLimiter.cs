using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Zones.Api.Limits;

/// <summary>The per-user token bucket of location requests, one for HTTP and the hub together, so a device cannot
/// double its budget by switching transport. Built on System.Threading.RateLimiting (what ASP.NET Core's rate
/// limiting middleware runs on) but acquired by the handlers themselves, because the hub's invocations never pass
/// through HTTP middleware. Buckets of users who went quiet are dropped by the partitioned limiter once full.</summary>
public sealed class IngestionLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<Guid>? _limiter;

    public IngestionLimiter(IOptions<RateLimitOptions> options)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        var bucket = settings.IngestionPerUser;
        _limiter = PartitionedRateLimiter.Create<Guid, Guid>(userId => RateLimitPartition.GetTokenBucketLimiter(userId,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = bucket.TokenLimit,
                TokensPerPeriod = bucket.TokensPerPeriod,
                ReplenishmentPeriod = bucket.Period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Takes one permit for <paramref name="userId"/>; null when granted, else the rejection to answer.</summary>
    public RateLimitedException? TryAcquire(Guid userId)
    {
        if (_limiter is null)
        {
            return null;
        }

        using var lease = _limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
        {
            return null;
        }

        Operations.ZonesMetrics.RateLimited("ingestion");
        return new RateLimitedException("Too many location requests for this user",
            lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1));
    }

    public void Dispose() => _limiter?.Dispose();
}
