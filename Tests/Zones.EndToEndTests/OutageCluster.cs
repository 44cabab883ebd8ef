using System.Diagnostics;

namespace Zones.EndToEndTests;

/// <summary>A one-silo deployment on its own PostgreSQL and Redis servers, which a test may stop and start again
/// without disturbing the rest of the suite. The servers are started with deploy/local/lib.sh, as test.sh starts
/// the shared ones, from a temporary folder on free loopback ports.</summary>
public sealed class OutageCluster : LocalCluster
{
    readonly string _servers = Directory.CreateTempSubdirectory("zones-outage-").FullName;
    int _postgresPort;
    int _redisPort;

    protected override int InitialSilos => 1;

    string PostgresData => Path.Combine(_servers, "pg");

    string RedisDirectory => Path.Combine(_servers, "redis");

    protected override async Task<(string Postgres, string Redis)> ProvideServersAsync()
    {
        (_postgresPort, _redisPort) = (FreePort(), FreePort());
        // The postgres OS user must traverse into the folder (the data directory itself stays private). The tests
        // crash this server (stop -m immediate), so a commit must have reached the kernel before it returns:
        // synchronous_commit stays on (fsync stays off: the machine itself does not crash). With it off, a zone
        // created just before the crash was sometimes gone after recovery, and the crossing resent after it
        // answered no event.
        await LibAsync($"chmod 755 {_servers} && pg_init {PostgresData} trust && pg_tune_for_tests {PostgresData}"
            + $" && echo 'synchronous_commit = on' >> {PostgresData}/postgresql.conf");
        await StartPostgresAsync();
        await StartRedisAsync();
        return ($"Host=127.0.0.1;Port={_postgresPort};Username=postgres;Database=postgres", $"127.0.0.1:{_redisPort}");
    }

    /// <summary>Stops Redis (SIGTERM) and waits until it has exited.</summary>
    public Task StopRedisAsync() => LibAsync($"redis_stop {RedisDirectory}");

    /// <summary>Starts Redis again on the same port, empty.</summary>
    public Task StartRedisAsync() => LibAsync($"redis_start {RedisDirectory} {_redisPort} no");

    /// <summary>Stops PostgreSQL the way a crash does (immediate: connections cut, no checkpoint).</summary>
    public Task StopPostgresAsync() =>
        LibAsync($"as_pg \"${{PG_BIN}}/pg_ctl\" stop -D {PostgresData} -m immediate -w -t 30 >/dev/null");

    /// <summary>Starts PostgreSQL again (crash recovery included) and waits until it accepts connections.</summary>
    public Task StartPostgresAsync() => LibAsync($"pg_start {PostgresData} {_postgresPort} {_servers}/postgres.log");

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await LibAsync($"redis_stop {RedisDirectory}; pg_stop {PostgresData}");
            Directory.Delete(_servers, recursive: true);
        }
    }

    /// <summary>Runs shell commands with deploy/local/lib.sh loaded; fails with their output if they fail.</summary>
    static async Task LibAsync(string commands)
    {
        var lib = Path.Combine(RepositoryRoot(), "deploy", "local", "lib.sh");
        var info = new ProcessStartInfo("bash", ["-c", $"set -euo pipefail; source '{lib}'; {commands}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{commands}` failed ({process.ExitCode}):\n{await output}\n{await errors}");
        }
    }
}
