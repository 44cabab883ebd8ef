using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Zones.Silo.Postgres;

/// <summary>One embedded migration script (<c>Postgres/Migrations/NNNN_name.sql</c>).</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>Applies the embedded, versioned SQL migrations. Several silos may start at once: a
/// session-level advisory lock serialises them, so each script runs exactly once, in its own
/// transaction, and is recorded in <c>schema_migrations</c>; a later run applies nothing.</summary>
public sealed partial class SchemaMigrator(ILogger<SchemaMigrator>? logger = null)
{
    /// <summary>The advisory lock key every Zones migrator takes ("Zones" in ASCII).</summary>
    public const long AdvisoryLockKey = 0x5A6F6E6573;

    private readonly ILogger _logger = logger ?? NullLogger<SchemaMigrator>.Instance;

    /// <summary>All embedded migrations, by version.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } = LoadEmbedded();

    /// <summary>Brings the database up to date; returns the versions this call applied (empty when
    /// another silo, or an earlier start, already did).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        // A dedicated unpooled connection: the advisory lock belongs to this session, and the
        // shared data source must not cache type information from before PostGIS existed.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations
                (
                    version    integer     NOT NULL PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var applied = await AppliedVersionsAsync(connection, cancellationToken);
            var done = new List<int>();
            foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
            {
                LogApplying(_logger, migration.Version, migration.Name);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, migration.Sql, cancellationToken);
                await using (var record = new NpgsqlCommand(
                    "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)", connection))
                {
                    record.Parameters.AddWithValue("version", migration.Version);
                    record.Parameters.AddWithValue("name", migration.Name);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                done.Add(migration.Version);
            }

            LogCompleted(_logger, done.Count, Migrations.Count == 0 ? 0 : Migrations[^1].Version);
            return done;
        }
        finally
        {
            // Closing the session would release the lock too; unlocking explicitly keeps the
            // window short when the caller holds on to the connection for longer.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
            }
        }
    }

    private static async Task<HashSet<int>> AppliedVersionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new HashSet<int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetInt32(0));
        }
        return versions;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static IReadOnlyList<Migration> LoadEmbedded()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            // Resource names look like "Zones.Silo.Postgres.Migrations.0002_orleans.sql".
            var match = ScriptName().Match(resource);
            if (!match.Success)
            {
                continue;
            }
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded migration {resource} cannot be opened.");
            using var text = new StreamReader(stream);
            migrations.Add(new Migration(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, text.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key}.");
        }
        return migrations.OrderBy(m => m.Version).ToList();
    }

    [GeneratedRegex(@"\.Postgres\.Migrations\.(?<version>\d{4})_(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex ScriptName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying schema migration {Version} ({Name})")]
    private static partial void LogApplying(ILogger logger, int version, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema is up to date: applied {Applied} migration(s), latest version {Latest}")]
    private static partial void LogCompleted(ILogger logger, int applied, int latest);
}
