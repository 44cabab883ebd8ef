using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace Zones.ServiceDefaults;

/// <summary>The shared dependencies' checks, on the maintained probes (AspNetCore.HealthChecks.NpgSql and .Redis).
/// Both fail as <see cref="HealthStatus.Degraded"/>: an outage of PostgreSQL or Redis hits every node alike, and
/// taking every node out of the balancer would turn a partial outage (quiet pings still answered, events still
/// stored) into a total one. Only a node's own cluster check (added by the node, <see cref="HealthStatus.Unhealthy"/>
/// when it fails) decides readiness.</summary>
public static class DependencyChecks
{
    /// <summary>The description of a check whose dependency is not configured on this node (a test host).</summary>
    public const string Skipped = "skipped";

    public const string Database = "database";
    public const string Redis = "redis";
    public const string Cluster = "cluster";

    public static WebApplicationBuilder AddZonesDependencyChecks(this WebApplicationBuilder builder)
    {
        var timeout = Timeout(builder);
        var checks = builder.Services.AddHealthChecks();
        builder.Services.AddSingleton<ProbeConnections>();
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Postgres")))
        {
            checks.AddCheck(Database, () => HealthCheckResult.Healthy(Skipped));
        }
        else
        {
            checks.AddNpgSql(services => services.GetRequiredService<ProbeConnections>().Postgres, name: Database,
                failureStatus: HealthStatus.Degraded, timeout: timeout);
        }

        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis")))
        {
            checks.AddCheck(Redis, () => HealthCheckResult.Healthy(Skipped));
        }
        else
        {
            checks.AddRedis(services => services.GetRequiredService<ProbeConnections>().Redis, name: Redis,
                failureStatus: HealthStatus.Degraded, timeout: timeout);
        }

        return builder;
    }

    /// <summary>The node's own cluster check, named <c>cluster</c>: the one whose failure takes the node out of the
    /// balancer (<c>/health/ready</c> 503).</summary>
    public static WebApplicationBuilder AddZonesClusterCheck<TCheck>(this WebApplicationBuilder builder)
        where TCheck : class, IHealthCheck
    {
        builder.Services.AddHealthChecks().AddCheck<TCheck>(Cluster, HealthStatus.Unhealthy, timeout: Timeout(builder));
        return builder;
    }

    static TimeSpan Timeout(WebApplicationBuilder builder) =>
        (builder.Configuration.GetSection(HealthOptions.Section).Get<HealthOptions>() ?? new()).Timeout;

    /// <summary>The probes' own connections, apart from the node's working ones so that a busy pool never reads as
    /// an outage: a two-connection PostgreSQL pool, and a Redis client that keeps reconnecting in the background
    /// (created on first use; it does not fail for good when Redis is down at start).</summary>
    sealed class ProbeConnections(IConfiguration configuration, Microsoft.Extensions.Options.IOptions<HealthOptions> options)
        : IAsyncDisposable
    {
        readonly Lazy<NpgsqlDataSource> _postgres = new(() => NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres"))
            {
                MaxPoolSize = 2,
                Timeout = Math.Max(1, (int)options.Value.Timeout.TotalSeconds),
                ApplicationName = "zones-health",
            }));

        readonly Lazy<ConnectionMultiplexer> _redis = new(() =>
        {
            var redis = ConfigurationOptions.Parse(configuration.GetConnectionString("Redis")!);
            redis.AbortOnConnectFail = false;
            // While Redis is down a ping fails at once instead of waiting in the client's backlog for its
            // multi-second timeout: a balancer's probe must get its answer within its own timeout.
            redis.BacklogPolicy = BacklogPolicy.FailFast;
            redis.ConnectTimeout = redis.AsyncTimeout = redis.SyncTimeout = (int)options.Value.Timeout.TotalMilliseconds;
            return ConnectionMultiplexer.Connect(redis);
        });

        public NpgsqlDataSource Postgres => _postgres.Value;

        public IConnectionMultiplexer Redis => _redis.Value;

        public async ValueTask DisposeAsync()
        {
            if (_postgres.IsValueCreated)
            {
                await _postgres.Value.DisposeAsync();
            }

            if (_redis.IsValueCreated)
            {
                await _redis.Value.DisposeAsync();
            }
        }
    }
}
