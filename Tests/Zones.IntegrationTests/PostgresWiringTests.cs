using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Zones.Accounts;
using Zones.Activities;
using Zones.IntegrationTests.Infrastructure;
using Zones.Silo.Postgres;
using Zones.Users;

namespace Zones.IntegrationTests;

public sealed class PostgresWiringTests
{
    [Fact]
    public async Task A_host_with_AddZonesPostgres_migrates_serves_every_port_and_drains_the_writer_on_stop()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddZonesPostgres(database.ConnectionString);
        using var host = builder.Build();

        await host.MigrateZonesDatabaseAsync();
        await host.StartAsync();
        var services = host.Services;
        // Grains write through the streak recorder, which hands every write to the one ActivityWriter.
        Assert.IsType<StreakRecorder>(services.GetRequiredService<IActivityWriter>());
        Assert.IsType<PostgresZoneSearch>(services.GetRequiredService<Zones.Nearby.IZoneSearch>());
        Assert.IsType<PostgresStatisticsReader>(services.GetRequiredService<Zones.Statistics.IStatisticsReader>());
        Assert.IsType<PostgresZoneStore>(services.GetRequiredService<IZoneStore>());
        Assert.IsType<PostgresActivityReader>(services.GetRequiredService<IActivityReader>());
        var accounts = Assert.IsType<PostgresAccountStore>(services.GetRequiredService<IAccountStore>());

        var userId = await TestData.CreateUserAsync(accounts);
        var writes = Enumerable.Range(0, 20)
            .Select(_ => services.GetRequiredService<IActivityWriter>().WriteAsync([TestData.Activity(userId)]))
            .ToList();
        await host.StopAsync();

        // Stopping drained the writer: every write succeeded (none was dropped or failed by the shutdown).
        await Task.WhenAll(writes);
        Assert.Equal(1, (await accounts.FindByIdAsync(userId))!.Streak);
        Assert.Equal(20L, await database.DataSource.ScalarAsync<long>("SELECT count(*) FROM activities WHERE user_id = @u", ("u", userId)));
        Assert.Equal(SchemaMigrator.Migrations.Count, await database.DataSource.ScalarAsync<int>("SELECT count(*) FROM schema_migrations"));
        Assert.NotNull(services.GetRequiredService<NpgsqlDataSource>());
    }
}
