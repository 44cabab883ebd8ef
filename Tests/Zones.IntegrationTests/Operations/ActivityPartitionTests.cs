using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zones.IntegrationTests.Infrastructure;
using Zones.Silo.Postgres;

namespace Zones.IntegrationTests.Operations;

/// <summary>The cluster keeps the activity partitions itself: the coming months exist ahead of time, and with a
/// retention setting whole expired months are dropped while every kept month stays readable.</summary>
public sealed class ActivityPartitionTests
{
    static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task The_maintenance_service_creates_the_configured_months_ahead_as_the_silo_starts()
    {
        await using var database = await TestDatabase.CreateAsync();
        var options = Options.Create(new ActivitiesOptions { MonthsAhead = 30 });
        using var service = new ActivityPartitionMaintenance(database.DataSource, options, TimeProvider.System,
            NullLogger<ActivityPartitionMaintenance>.Instance);

        await service.StartAsync(CancellationToken.None);
        try
        {
            var farthest = PartitionName(Now.AddMonths(30));
            await Eventually.Until(() => PartitionExists(database, farthest), exists => exists, $"partition {farthest}");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.False(await PartitionExists(database, PartitionName(Now.AddMonths(31))));
    }

    [Fact]
    public async Task Ensuring_the_months_ahead_twice_creates_nothing_the_second_time()
    {
        await using var database = await TestDatabase.CreateAsync();

        var first = await ActivityPartitions.EnsureAheadAsync(database.DataSource, 24, CancellationToken.None);
        var second = await ActivityPartitions.EnsureAheadAsync(database.DataSource, 24, CancellationToken.None);

        Assert.Equal(12, first); // the migration already made the current month and the next 12
        Assert.Equal(0, second);
    }

    [Fact]
    public async Task Retention_drops_whole_expired_months_and_keeps_every_row_inside_the_kept_months()
    {
        await using var database = await TestDatabase.CreateAsync();
        await database.DataSource.ExecuteAsync("SELECT zones_ensure_activity_partitions(0, 12)");
        var expiredRow = Now.AddMonths(-7);
        var keptRow = Now.AddMonths(-3).AddDays(1);
        var ancientRow = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero); // no partition: the default one
        foreach (var at in new[] { expiredRow, keptRow, ancientRow, Now })
        {
            await InsertActivityAsync(database, at);
        }

        var dropped = await ActivityPartitions.DropExpiredAsync(database.DataSource, 3, Now, CancellationToken.None);

        var cutoff = ActivityPartitions.RetentionCutoff(Now, 3);
        Assert.Contains(PartitionName(expiredRow), dropped);
        Assert.All(dropped, name => Assert.True(ActivityPartitions.MonthEnd(name) <= cutoff, $"{name} still held kept rows"));
        Assert.True(await PartitionExists(database, PartitionName(cutoff)), "the month holding the cut-off must stay");
        Assert.False(await PartitionExists(database, PartitionName(Now.AddMonths(-5))));
        var left = await TimestampsAsync(database);
        Assert.Equal(2, left.Count);
        Assert.Contains(left, t => Math.Abs((t - keptRow).TotalMilliseconds) < 1);
        Assert.Contains(left, t => Math.Abs((t - Now).TotalMilliseconds) < 1);
    }

    [Fact]
    public async Task A_second_retention_pass_drops_nothing_more()
    {
        await using var database = await TestDatabase.CreateAsync();
        await database.DataSource.ExecuteAsync("SELECT zones_ensure_activity_partitions(0, 12)");

        var first = await ActivityPartitions.DropExpiredAsync(database.DataSource, 6, Now, CancellationToken.None);
        var second = await ActivityPartitions.DropExpiredAsync(database.DataSource, 6, Now, CancellationToken.None);

        Assert.InRange(first.Count, 5, 6);
        Assert.Empty(second);
    }

    [Fact]
    public async Task Without_a_retention_setting_the_service_keeps_every_month()
    {
        await using var database = await TestDatabase.CreateAsync();
        await database.DataSource.ExecuteAsync("SELECT zones_ensure_activity_partitions(0, 12)");
        var before = await PartitionCountAsync(database);
        var options = Options.Create(new ActivitiesOptions { MonthsAhead = 13, RetentionMonths = 0 });
        using var service = new ActivityPartitionMaintenance(database.DataSource, options, TimeProvider.System,
            NullLogger<ActivityPartitionMaintenance>.Instance);

        await service.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.Until(() => PartitionExists(database, PartitionName(Now.AddMonths(13))), e => e, "the 13th month ahead");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.Equal(before + 1, await PartitionCountAsync(database));
        Assert.True(await PartitionExists(database, PartitionName(Now.AddMonths(-12))));
    }

    [Fact]
    public async Task Silos_maintaining_at_the_same_moment_all_succeed_and_agree()
    {
        await using var database = await TestDatabase.CreateAsync();
        await database.DataSource.ExecuteAsync("SELECT zones_ensure_activity_partitions(0, 12)");

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var created = await ActivityPartitions.EnsureAheadAsync(database.DataSource, 18, CancellationToken.None);
            var dropped = await ActivityPartitions.DropExpiredAsync(database.DataSource, 4, Now, CancellationToken.None);
            return (created, dropped.Count);
        })));

        Assert.Equal(6, runs.Sum(r => r.created));
        Assert.InRange(runs.Sum(r => r.Count), 7, 8);
        Assert.Equal(1, runs.Count(r => r.Count > 0));
    }

    static string PartitionName(DateTimeOffset at) =>
        $"activities_y{at.UtcDateTime:yyyy}m{at.UtcDateTime:MM}";

    static async Task<bool> PartitionExists(TestDatabase database, string name) =>
        await database.DataSource.ScalarAsync<bool>("SELECT to_regclass(@name) IS NOT NULL", ("name", name));

    static Task<long> PartitionCountAsync(TestDatabase database) =>
        database.DataSource.ScalarAsync<long>("SELECT count(*) FROM pg_inherits WHERE inhparent = 'activities'::regclass");

    static Task InsertActivityAsync(TestDatabase database, DateTimeOffset at) =>
        database.DataSource.ExecuteAsync("""
            INSERT INTO activities (id, user_id, zone_id, zone_name, type, "timestamp", location, latitude, longitude)
            VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'Home', 'enter', @at,
                    ST_SetSRID(ST_MakePoint(13.4, 52.5), 4326)::geography, 52.5, 13.4)
            """, ("at", at.UtcDateTime));

    static async Task<List<DateTimeOffset>> TimestampsAsync(TestDatabase database)
    {
        var result = new List<DateTimeOffset>();
        await using var command = database.DataSource.CreateCommand("SELECT \"timestamp\" FROM activities");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result.Add(new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero));
        }

        return result;
    }
}
