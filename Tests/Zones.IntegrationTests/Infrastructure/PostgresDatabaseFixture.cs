using Npgsql;

namespace Zones.IntegrationTests.Infrastructure;

/// <summary>A migrated database per test class (<c>IClassFixture&lt;PostgresDatabaseFixture&gt;</c>) or per
/// collection: created fresh with a unique name before the first test, dropped after the last.</summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("The database fixture has not started.");

    /// <summary>A connection string for the migrated database (also for Orleans' ADO.NET providers).</summary>
    public string ConnectionString => Database.ConnectionString;

    /// <summary>A shared pooled data source for the database.</summary>
    public NpgsqlDataSource DataSource => Database.DataSource;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(migrate: true);

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
