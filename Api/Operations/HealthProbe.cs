using System.Diagnostics;
using System.Text.Json.Serialization;
using Npgsql;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Zones.Api.Operations;

/// <summary>One dependency's state. <c>skipped</c> means it is not configured on this node (a test host).
/// <c>error</c> is one of a few fixed phrases, never exception text: /health is public, the log has the detail.</summary>
public sealed record HealthCheck(
    string Status,
    double LatencyMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null)
{
    public const string Ok = "ok";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string TimedOut = "timeout";
    public const string Unreachable = "unreachable";

    [JsonIgnore]
    public bool Passes => Status is Ok or Skipped;
}

public sealed record HealthChecks(HealthCheck Database, HealthCheck Redis, HealthCheck Cluster);

/// <summary>The /health body: <c>status</c> ok|degraded, <c>timestamp</c> Unix ms, <c>uptime</c> seconds.</summary>
public sealed record HealthReport(string Status, long Timestamp, double Uptime, HealthChecks Checks)
{
    [JsonIgnore]
    public bool Healthy => Status == "ok";

    public static HealthReport From(HealthChecks checks, DateTimeOffset now, TimeSpan uptime) => new(
        checks.Database.Passes && checks.Redis.Passes && checks.Cluster.Passes ? "ok" : "degraded",
        now.ToUnixTimeMilliseconds(), Math.Round(uptime.TotalSeconds, 3), checks);
}

/// <summary>Probes the node's dependencies in parallel, each within <see cref="Timeout"/>.
/// The database probe is the only PostgreSQL use outside Orleans' clustering.</summary>
public sealed partial class HealthProbe(IServiceProvider services, TimeProvider time, RedisConnection redis,
    ILogger<HealthProbe> logger) : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private readonly long _started = time.GetTimestamp();
    private NpgsqlDataSource? _dataSource;

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var database = Measure("database", CheckDatabase, cancellationToken);
        var cache = Measure("redis", CheckRedis, cancellationToken);
        var cluster = Measure("cluster", CheckCluster, cancellationToken);
        var checks = new HealthChecks(await database, await cache, await cluster);
        return HealthReport.From(checks, time.GetUtcNow(), time.GetElapsedTime(_started));
    }

    public void Dispose() => _dataSource?.Dispose();

    private async Task<bool> CheckDatabase(CancellationToken cancellationToken)
    {
        var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }

        // One pooled data source for every probe, created on first use (concurrent probes may race to create
        // it: the loser disposes its own).
        var dataSource = Volatile.Read(ref _dataSource);
        if (dataSource is null)
        {
            var created = NpgsqlDataSource.Create(connectionString);
            dataSource = Interlocked.CompareExchange(ref _dataSource, created, null) ?? created;
            if (!ReferenceEquals(dataSource, created))
            {
                await created.DisposeAsync();
            }
        }

        await using var command = dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
        return true;
    }

    private async Task<bool> CheckRedis(CancellationToken cancellationToken)
    {
        if (!redis.IsConfigured)
        {
            return false;
        }

        var connection = await redis.GetAsync().WaitAsync(cancellationToken);
        await connection.GetDatabase().PingAsync().WaitAsync(cancellationToken);
        return true;
    }

    /// <summary>Needs a live silo: the management grain answers only from inside the cluster.</summary>
    private async Task<bool> CheckCluster(CancellationToken cancellationToken)
    {
        var client = services.GetRequiredService<IClusterClient>();
        var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
        if (hosts.Count == 0)
        {
            throw new InvalidOperationException("no active silo");
        }

        return true;
    }

    /// <summary>Runs a probe; false from it means "not configured here" (skipped).</summary>
    private async Task<HealthCheck> Measure(string name, Func<CancellationToken, Task<bool>> probe,
        CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var ran = await probe(timeout.Token);
            return new HealthCheck(ran ? HealthCheck.Ok : HealthCheck.Skipped, Elapsed(start));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogTimedOut(name, Timeout.TotalSeconds);
            return new HealthCheck(HealthCheck.Failed, Elapsed(start), HealthCheck.TimedOut);
        }
        catch (Exception exception)
        {
            LogFailed(exception, name);
            return new HealthCheck(HealthCheck.Failed, Elapsed(start), HealthCheck.Unreachable);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check {Check} failed")]
    private partial void LogFailed(Exception exception, string check);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check {Check} had no answer within {Seconds} s")]
    private partial void LogTimedOut(string check, double seconds);

    private double Elapsed(long start) => Math.Round(time.GetElapsedTime(start).TotalMilliseconds, 1);
}

/// <summary>The node's one Redis connection for its own use (health); SignalR's backplane keeps its own.</summary>
public sealed class RedisConnection(IConfiguration configuration) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connection;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(configuration.GetConnectionString("Redis"));

    public Task<ConnectionMultiplexer> GetAsync()
    {
        lock (_gate)
        {
            if (_connection is null || _connection.IsFaulted)
            {
                var options = ConfigurationOptions.Parse(configuration.GetConnectionString("Redis")!);
                // Keep reconnecting in the background instead of failing for good when Redis is down at start.
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = (int)HealthProbe.Timeout.TotalMilliseconds;
                _connection = ConnectionMultiplexer.ConnectAsync(options);
            }

            return _connection;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { IsCompletedSuccessfully: true } connection)
        {
            await connection.Result.DisposeAsync();
        }
    }
}
