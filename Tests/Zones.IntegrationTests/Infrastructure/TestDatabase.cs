using Npgsql;
using Zones.Silo.Postgres;

namespace Zones.IntegrationTests.Infrastructure;

/// <summary>A throwaway PostgreSQL database on the test server named by <c>ZONES_TEST_POSTGRES</c>:
/// created with a unique name, optionally migrated, dropped (with any open sessions) on dispose.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    /// <summary>A connection string for a superuser on a maintenance database of the test server,
    /// e.g. <c>Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres</c>.</summary>
    public const string ServerVariable = "ZONES_TEST_POSTGRES";

    private NpgsqlDataSource? _dataSource;

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name (unique per instance).</summary>
    public string Name { get; }

    /// <summary>A connection string for this database.</summary>
    public string ConnectionString { get; }

    /// <summary>A pooled data source for this database, created on first use.</summary>
    public NpgsqlDataSource DataSource => _dataSource ??= NpgsqlDataSource.Create(ConnectionString);

    /// <summary>The server connection string, or a failure that says how to get one. Tests that need
    /// PostgreSQL fail rather than skip, so a green run always means they ran.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{ServerVariable} is not set. These integration tests need a PostgreSQL+PostGIS server: " +
                "run deploy/local/test.sh, which starts a throwaway one and sets the variable, or set " +
                $"{ServerVariable} to a superuser connection string on a maintenance database " +
                "(e.g. Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres).");

    /// <summary>Creates a fresh database; runs the Zones migrations on it unless <paramref name="migrate"/> is false.</summary>
    public static async Task<TestDatabase> CreateAsync(bool migrate = true, CancellationToken cancellationToken = default)
    {
        var server = ServerConnectionString;
        var name = $"zones_test_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        var database = new TestDatabase(name, connectionString);
        if (migrate)
        {
            await new SchemaMigrator().MigrateAsync(connectionString, cancellationToken);
        }
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        // FORCE ends sessions a test left open (e.g. a silo's provider connections).
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
