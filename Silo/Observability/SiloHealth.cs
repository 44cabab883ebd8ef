using System.Diagnostics;
using Npgsql;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Zones.Silo.Observability;

/// <summary>The silo's readiness: its database and Redis answer, and it is an active cluster member.</summary>
public static partial class SiloHealth
{
    static readonly DateTimeOffset Started = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Each check's status and latency; <c>error</c> is a fixed phrase (the body is readable by anyone who
    /// reaches the port), the exception goes to the log.</summary>
    public static async Task<IResult> Ready(NpgsqlDataSource database, RedisProbe redis, ILocalSiloDetails silo,
        ISiloStatusOracle oracle, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(SiloHealth).FullName!);
        var checks = new Dictionary<string, HealthCheckResult>
        {
            ["database"] = await Probe("database", logger, async () =>
            {
                await using var command = database.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
            }),
            ["redis"] = await Probe("redis", logger, () => redis.PingAsync()),
            ["cluster"] = await Probe("cluster", logger, () => oracle.CurrentStatus == SiloStatus.Active
                ? Task.CompletedTask
                : throw new InvalidOperationException($"silo {silo.SiloAddress} is {oracle.CurrentStatus}")),
        };
        var healthy = checks.Values.All(c => c.Status == "ok");
        var body = new
        {
            status = healthy ? "ok" : "degraded",
            timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            uptime = Math.Round((DateTimeOffset.UtcNow - Started).TotalSeconds, 1),
            checks,
        };
        return Results.Json(body, statusCode: healthy ? 200 : 503);
    }

    static async Task<HealthCheckResult> Probe(string name, ILogger logger, Func<Task> check)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await check().WaitAsync(Timeout);
            return new HealthCheckResult("ok", Math.Round(watch.Elapsed.TotalMilliseconds, 1), null);
        }
        catch (TimeoutException)
        {
            LogTimedOut(logger, name, Timeout.TotalSeconds);
            return new HealthCheckResult("failed", Math.Round(watch.Elapsed.TotalMilliseconds, 1), "timeout");
        }
        catch (Exception exception)
        {
            LogFailed(logger, exception, name);
            return new HealthCheckResult("failed", Math.Round(watch.Elapsed.TotalMilliseconds, 1), "unreachable");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check {Check} failed")]
    static partial void LogFailed(ILogger logger, Exception exception, string check);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check {Check} had no answer within {Seconds} s")]
    static partial void LogTimedOut(ILogger logger, string check, double seconds);

    /// <summary>One check, in the shape of API.md's <c>/health</c> (the Api's checks look the same).</summary>
    public sealed record HealthCheckResult(
        string Status,
        double LatencyMs,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        string? Error);
}

/// <summary>One lazily connected Redis client used only to probe Redis for health.</summary>
public sealed class RedisProbe(string configuration) : IAsyncDisposable
{
    readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() => Connect(configuration));

    static Task<ConnectionMultiplexer> Connect(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public async Task PingAsync() => await (await _connection.Value).GetDatabase().PingAsync();

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            await (await _connection.Value).DisposeAsync();
        }
    }
}
