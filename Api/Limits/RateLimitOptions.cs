using Microsoft.Extensions.Options;

namespace Zones.Api.Limits;

/// <summary>Rate limits per Api node (configuration section <c>RateLimits</c>). Counters live in this node's
/// memory: behind a balancer over N nodes a caller gets up to N times each figure (docs/operations.md).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary><c>RateLimits:Enabled</c>: false switches every rate limit off (benchmarks, load tests). The
    /// bounds (zones per user, ping age, ...) stay.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><c>RateLimits:ExemptNetworks</c>: CIDR ranges whose requests skip the per-IP limits (general,
    /// registration, failed logins per IP); the per-account and per-user limits still apply. Empty by default.
    /// deploy/local/up.sh sets loopback, where a benchmark seeds thousands of users and zones from one address.</summary>
    public string[] ExemptNetworks { get; set; } = [];

    /// <summary><c>RateLimits:LoginFailuresPerAccount</c>: failed logins for one email before that account's logins
    /// answer 429, from any address, until the oldest failure leaves the window.</summary>
    public WindowLimit LoginFailuresPerAccount { get; set; } = new() { Limit = 5, Window = TimeSpan.FromMinutes(15) };

    /// <summary><c>RateLimits:LoginFailuresPerIp</c>: failed logins from one client address (an IPv6 /64), any
    /// accounts, before its logins answer 429.</summary>
    public WindowLimit LoginFailuresPerIp { get; set; } = new() { Limit = 5, Window = TimeSpan.FromMinutes(15) };

    /// <summary><c>RateLimits:RegistrationsPerIp</c>: registration attempts per client address and fixed window.</summary>
    public WindowLimit RegistrationsPerIp { get; set; } = new() { Limit = 20, Window = TimeSpan.FromHours(1) };

    /// <summary><c>RateLimits:GeneralPerIp</c>: every request of one client address (token bucket), except
    /// authenticated ingestion (POST /locations and the hub), which has its own limit per user.</summary>
    public TokenBucket GeneralPerIp { get; set; } = new() { TokenLimit = 1_000, TokensPerPeriod = 100, Period = TimeSpan.FromSeconds(1) };

    /// <summary><c>RateLimits:IngestionPerUser</c>: location requests of one user (token bucket keyed by the
    /// token's <c>sub</c>), shared by POST /locations, the hub's SendLocations calls and StreamLocations batches.
    /// One permit per request, whatever its number of pings (1 to 1,000).</summary>
    public TokenBucket IngestionPerUser { get; set; } = new() { TokenLimit = 1_200, TokensPerPeriod = 20, Period = TimeSpan.FromSeconds(1) };
}

/// <summary>At most <see cref="Limit"/> events per <see cref="Window"/>.</summary>
public sealed class WindowLimit
{
    public int Limit { get; set; }

    public TimeSpan Window { get; set; }
}

/// <summary>A bucket of <see cref="TokenLimit"/> tokens (the burst), refilled by <see cref="TokensPerPeriod"/>
/// every <see cref="Period"/> (the sustained rate).</summary>
public sealed class TokenBucket
{
    public int TokenLimit { get; set; }

    public int TokensPerPeriod { get; set; }

    public TimeSpan Period { get; set; }
}

/// <summary>Refuses to start with a limit that could not work, naming the key.</summary>
internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var failures = new List<string>();
        Check(options.LoginFailuresPerAccount, nameof(options.LoginFailuresPerAccount), failures);
        Check(options.LoginFailuresPerIp, nameof(options.LoginFailuresPerIp), failures);
        Check(options.RegistrationsPerIp, nameof(options.RegistrationsPerIp), failures);
        Check(options.GeneralPerIp, nameof(options.GeneralPerIp), failures);
        Check(options.IngestionPerUser, nameof(options.IngestionPerUser), failures);
        foreach (var network in options.ExemptNetworks)
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                failures.Add($"{RateLimitOptions.Section}:ExemptNetworks: '{network}' is not a CIDR range (e.g. 10.0.0.0/8)");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(WindowLimit limit, string key, List<string> failures)
    {
        if (limit.Limit < 1 || limit.Window <= TimeSpan.Zero)
        {
            failures.Add($"{RateLimitOptions.Section}:{key}: Limit must be at least 1 and Window positive (e.g. 00:15:00)");
        }
    }

    private static void Check(TokenBucket bucket, string key, List<string> failures)
    {
        if (bucket.TokenLimit < 1 || bucket.TokensPerPeriod < 1 || bucket.Period <= TimeSpan.Zero)
        {
            failures.Add($"{RateLimitOptions.Section}:{key}: TokenLimit and TokensPerPeriod must be at least 1 and Period positive (e.g. 00:00:01)");
        }
    }
}
