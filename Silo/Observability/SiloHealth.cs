using System.Diagnostics;
using Npgsql;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Zones.Silo.Observability;

/// <summary>The silo's readiness: its database and Redis answer, and it is an active cluster member.</summary>
public static class SiloHealth
{
    static readonly DateTimeOffset Started = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public static async Task<IResult> Ready(NpgsqlDataSource database, RedisProbe redis, ILocalSiloDetails silo,
        ISiloStatusOracle oracle, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, HealthCheckResult>
        {
            ["database"] = await Probe(async () =>
            {
                await using var command = database.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
            }),
            ["redis"] = await Probe(() => redis.PingAsync()),
            ["cluster"] = await Probe(() => oracle.CurrentStatus == SiloStatus.Active
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

    static async Task<HealthCheckResult> Probe(Func<Task> check)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await check().WaitAsync(TimeSpan.FromSeconds(2));
            return new HealthCheckResult("ok", Math.Round(watch.Elapsed.TotalMilliseconds, 1), null);
        }
        catch (Exception ex)
        {
            return new HealthCheckResult("failed", Math.Round(watch.Elapsed.TotalMilliseconds, 1), ex.Message);
        }
    }

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
