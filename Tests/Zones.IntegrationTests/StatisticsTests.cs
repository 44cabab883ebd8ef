using System.Diagnostics;
using Zones.Activities;
using Zones.Geofencing;
using Zones.IntegrationTests.Infrastructure;
using Zones.Nearby;
using Zones.Silo.Postgres;

namespace Zones.IntegrationTests;

/// <summary>The streak trigger, the statistics SQL and the nearby search, on real PostgreSQL + PostGIS.</summary>
public sealed class StatisticsTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly long DayMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;
    private readonly PostgresAccountStore _accounts = new(db.DataSource);
    private readonly PostgresZoneStore _zones = new(db.DataSource);
    private readonly PostgresStatisticsReader _statistics = new(db.DataSource);

    /// <summary>Noon UTC today: "n days ago" stays on the day it names.</summary>
    private static readonly long Noon = new DateTimeOffset(DateTime.UtcNow.Date.AddHours(12), TimeSpan.Zero).ToUnixTimeMilliseconds();

    private async Task WriteAsync(params ActivityRecord[] activities)
    {
        await using var writer = new ActivityWriter(db.DataSource);
        await new StreakRecorder(writer).WriteAsync(activities);
    }

    private static ActivityRecord At(Guid userId, int daysAgo, Guid? zoneId = null, string type = ActivityTypes.Enter, long offsetMs = 0) =>
        TestData.Activity(userId, zoneId, type, Noon - daysAgo * DayMs + offsetMs);

    [Fact]
    public async Task The_streak_counts_consecutive_days_as_activities_arrive_and_restarts_after_a_gap()
    {
        var userId = await TestData.CreateUserAsync(_accounts);

        await WriteAsync(At(userId, 6), At(userId, 5));
        var afterTwoDays = (await _accounts.FindByIdAsync(userId))!.Streak;
        await WriteAsync(At(userId, 3));
        await WriteAsync(At(userId, 2), At(userId, 1), At(userId, 1, offsetMs: 1000));
        await WriteAsync(At(userId, 0));
        var now = (await _accounts.FindByIdAsync(userId))!.Streak;

        // Days 6 and 5 were two in a row but ended five days ago: a dead run reads as 0.
        Assert.Equal(0, afterTwoDays);
        Assert.Equal(4, now);
        Assert.Equal(4, (await _statistics.ForUserAsync(userId, 30, Noon)).Streak);
    }

    [Fact]
    public async Task A_replayed_batch_and_a_second_silo_leave_the_streak_as_it_is()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var yesterday = At(userId, 1);
        var today = At(userId, 0);

        await WriteAsync(yesterday, today);
        await WriteAsync(yesterday, today);
        await WriteAsync(At(userId, 0, offsetMs: 5_000));

        Assert.Equal(2, (await _accounts.FindByIdAsync(userId))!.Streak);
    }

    [Fact]
    public async Task Per_day_counts_cover_every_day_of_the_window_with_zeros_and_today_last()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var zone = Guid.NewGuid();
        await WriteAsync(
            At(userId, 0, zone), At(userId, 0, zone, ActivityTypes.Dwell, 60_000), At(userId, 0, zone, ActivityTypes.Exit, 120_000),
            At(userId, 2, zone), At(userId, 40, zone));

        var stats = await _statistics.ForUserAsync(userId, 7, Noon + 3_600_000);

        Assert.Equal(7, stats.ByDay.Count);
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd"), stats.ByDay[^1].Date);
        Assert.Equal((1, 1, 1), (stats.ByDay[^1].Enter, stats.ByDay[^1].Exit, stats.ByDay[^1].Dwell));
        Assert.Equal(1, stats.ByDay[^3].Enter);
        Assert.Equal(3, stats.ActivitiesToday);
        Assert.Equal(4, stats.ByDay.Sum(d => d.Enter + d.Exit + d.Dwell));
    }

    [Fact]
    public async Task Per_zone_visits_and_seconds_inside_count_closed_open_and_clipped_visits()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var office = TestData.Zone(userId, TestData.Circle());
        var park = TestData.Zone(userId, TestData.PolygonWithHole());
        await _zones.InsertAsync(office);
        await _zones.InsertAsync(park);
        await WriteAsync(
            // Two closed office visits today: 10 minutes and 5 minutes.
            At(userId, 0, office.Id, offsetMs: -3_600_000), At(userId, 0, office.Id, ActivityTypes.Exit, -3_000_000),
            At(userId, 0, office.Id, offsetMs: -1_000_000), At(userId, 0, office.Id, ActivityTypes.Exit, -700_000),
            // Inside the park since half an hour before "now".
            At(userId, 0, park.Id, offsetMs: -1_800_000));

        var stats = await _statistics.ForUserAsync(userId, 1, Noon);

        var byZone = stats.ByZone.ToDictionary(z => z.ZoneId);
        Assert.Equal((2, 900L, "Office"), (byZone[office.Id].Visits, byZone[office.Id].SecondsInside, byZone[office.Id].ZoneName));
        Assert.Equal((1, 1800L, "Park"), (byZone[park.Id].Visits, byZone[park.Id].SecondsInside, byZone[park.Id].ZoneName));
        Assert.Equal(2, stats.Zones);
    }

    [Fact]
    public async Task The_overview_counts_users_zones_and_recent_activity()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        await _zones.InsertAsync(TestData.Zone(userId, TestData.Circle()));
        await WriteAsync(TestData.Activity(userId, timestamp: DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds()));

        var overview = await _statistics.OverviewAsync(30, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Assert.True(overview.Users >= 1 && overview.Zones >= 1 && overview.ActiveUsers24h >= 1, overview.ToString());
        Assert.Equal(30, overview.ActivitiesByDay.Count);
        Assert.Equal(30, overview.ZonesCreatedByDay.Count);
        Assert.True(overview.ActivitiesByDay[^1].Count >= 1);
        Assert.True(overview.ZonesCreatedByDay[^1].Count >= 1);
    }

    [Fact]
    public async Task Nearby_finds_only_the_callers_live_zones_in_range_nearest_first_with_distances()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var strangerId = await TestData.CreateUserAsync(_accounts);
        // Along a meridian one degree of latitude is about 111.2 km: 0.001 degrees is about 111 m.
        var near = TestData.Zone(userId, TestData.Circle(52.5010, 13.4));
        var nearer = TestData.Zone(userId, TestData.Circle(52.5005, 13.4));
        var far = TestData.Zone(userId, TestData.Circle(52.6, 13.4));
        var deleted = TestData.Zone(userId, TestData.Circle(52.5001, 13.4));
        var strangers = TestData.Zone(strangerId, TestData.Circle(52.5, 13.4));
        foreach (var zone in new[] { near, nearer, far, deleted, strangers })
        {
            await _zones.InsertAsync(zone);
        }
        await _zones.SoftDeleteAsync(userId, deleted.Id, TestData.Now);

        var found = await new PostgresZoneSearch(db.DataSource).FindNearbyAsync(userId, new NearbyQuery(52.5, 13.4, 1_000, 100));

        Assert.Equal([nearer.Id, near.Id], found.Select(f => f.Zone.Id));
        Assert.InRange(found[0].Distance, 50, 62);
        Assert.InRange(found[1].Distance, 105, 118);
        Assert.Equal("Office", found[0].Zone.Definition.Title);
    }

    [Fact]
    public async Task A_year_of_history_is_summarised_from_the_index_within_a_fraction_of_a_second()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var zones = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToArray();
        // 365 days x 12 visits (enter + exit) = 8,760 activities, among other users' rows.
        var rows = from day in Enumerable.Range(0, 365)
                   from visit in Enumerable.Range(0, 12)
                   from type in new[] { ActivityTypes.Enter, ActivityTypes.Exit }
                   select At(userId, day, zones[visit % zones.Length], type, visit * 600_000L + (type == ActivityTypes.Exit ? 300_000 : 0));
        await db.DataSource.ExecuteAsync("SELECT zones_ensure_activity_partitions(0, 13)");
        await WriteAsync([.. rows]);
        await db.DataSource.ExecuteAsync("VACUUM ANALYZE activities");

        var watch = Stopwatch.StartNew();
        var stats = await _statistics.ForUserAsync(userId, 365, Noon + 12 * 600_000L);
        watch.Stop();

        Assert.Equal(365, stats.Streak);
        Assert.Equal(365 * 12, stats.ByZone.Sum(z => z.Visits));
        Assert.Equal(365 * 12 * 300L, stats.ByZone.Sum(z => z.SecondsInside));
        Assert.True(watch.ElapsedMilliseconds < 1_000, $"a year of statistics took {watch.ElapsedMilliseconds} ms");
    }
}
