using Npgsql;
using Zones.IntegrationTests.Infrastructure;
using Zones.Silo.Postgres;

namespace Zones.IntegrationTests;

public sealed class MigrationTests
{
    [Fact]
    public void Embedded_migrations_are_numbered_from_one_without_gaps()
    {
        var versions = SchemaMigrator.Migrations.Select(m => m.Version).ToList();

        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
        Assert.True(versions.Count >= 3);
    }

    [Fact]
    public async Task A_second_run_applies_nothing_and_leaves_the_history_unchanged()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var migrator = new SchemaMigrator();

        var first = await migrator.MigrateAsync(database.ConnectionString);
        var historyAfterFirst = await HistoryAsync(database);
        var second = await migrator.MigrateAsync(database.ConnectionString);
        var historyAfterSecond = await HistoryAsync(database);

        Assert.Equal(SchemaMigrator.Migrations.Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.Equal(historyAfterFirst, historyAfterSecond);
    }

    [Fact]
    public async Task Silos_starting_together_apply_each_migration_exactly_once()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() => new SchemaMigrator().MigrateAsync(database.ConnectionString))));

        var applied = runs.SelectMany(r => r).ToList();
        Assert.Equal(SchemaMigrator.Migrations.Select(m => m.Version), applied.Order());
        var history = await HistoryAsync(database);
        Assert.Equal(SchemaMigrator.Migrations.Select(m => m.Version), history.Select(h => h.Version));
    }

    [Fact]
    public async Task Every_query_the_Orleans_providers_read_is_stored()
    {
        string[] required =
        [
            // clustering
            "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
            "CleanupDefunctSiloEntriesKey",
            // grain storage
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
            // reminders
            "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        await using var database = await TestDatabase.CreateAsync();

        var stored = new List<string>();
        await using (var command = database.DataSource.CreateCommand("SELECT QueryKey FROM OrleansQuery"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetString(0));
            }
        }

        Assert.Empty(required.Except(stored));
        foreach (var table in new[] { "orleansmembershipversiontable", "orleansmembershiptable", "orleansstorage", "orleansreminderstable" })
        {
            Assert.Equal(1L, await database.DataSource.ScalarAsync<long>(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = @t", ("t", table)));
        }
    }

    [Fact]
    public async Task Activity_partitions_exist_for_the_coming_year_and_the_maintenance_call_is_repeatable()
    {
        await using var database = await TestDatabase.CreateAsync();
        var nextYear = DateTime.UtcNow.AddMonths(11);
        var expected = $"activities_y{nextYear:yyyy}m{nextYear:MM}";

        var exists = await database.DataSource.ScalarAsync<bool>("SELECT to_regclass(@name) IS NOT NULL", ("name", expected));
        var createdAgain = await database.DataSource.ScalarAsync<int>("SELECT zones_ensure_activity_partitions(12, 3)");

        Assert.True(exists, $"partition {expected} should exist");
        Assert.Equal(0, createdAgain);
    }

    private static async Task<List<(int Version, string Name, DateTime AppliedAt)>> HistoryAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version, name, applied_at FROM schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int, string, DateTime)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetString(1), reader.GetDateTime(2)));
        }
        return rows;
    }
}
