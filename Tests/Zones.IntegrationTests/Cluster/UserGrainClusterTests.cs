using Zones.Geofencing;
using Zones.IntegrationTests.Infrastructure;
using Zones.Users;

namespace Zones.IntegrationTests.Cluster;

[Collection(ZonesClusterCollection.Name)]
public sealed class UserGrainClusterTests(ZonesClusterFixture fixture)
{
    const double Lat = 52.520008, Lon = 13.404954;
    static readonly long T0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    static Ping At(int minute, double latitude, double longitude) => new(latitude, longitude, 5, T0 + minute * 60_000L);

    static Ping Away(int minute) => At(minute, Lat + 0.05, Lon);

    static Ping Inside(int minute) => At(minute, Lat, Lon);

    static ZoneDefinition Circle() => TestData.Circle(Lat, Lon, 150) with { DwellSeconds = null };

    Task<IUserGrain> NewUserAsync() => CrashTestKit.NewUserAsync(fixture.Client);

    [Fact]
    public async Task A_walk_through_a_zone_yields_one_enter_then_one_exit_with_stored_activities()
    {
        var user = await NewUserAsync();
        var zone = await user.CreateZone(Circle());

        var report = await user.ReportLocations(new LocationBatch("phone", [Away(0), Inside(10), Inside(11), Away(20)]));

        Assert.Equal(4, report.Accepted);
        Assert.Equal([(ActivityTypes.Enter, zone.Id), (ActivityTypes.Exit, zone.Id)], report.Events.Select(e => (e.Type, e.ZoneId)));
        Assert.Equal([T0 + 10 * 60_000L, T0 + 20 * 60_000L], report.Events.Select(e => e.Timestamp));
        var stored = await fixture.Database.DataSource.ScalarAsync<long>(
            "SELECT count(*) FROM activities WHERE user_id = @user", ("user", user.GetPrimaryKey()));
        Assert.Equal(2, stored);
        Assert.Empty((await user.GetPresence()).InsideZoneIds);
    }

    [Fact]
    public async Task A_resent_batch_is_ignored_and_yields_no_event()
    {
        var user = await NewUserAsync();
        await user.CreateZone(Circle());
        var batch = new LocationBatch("phone", [Inside(10), Away(0)]);

        var first = await user.ReportLocations(batch);
        var again = await user.ReportLocations(batch);

        Assert.Single(first.Events);
        Assert.Equal((0, 2), (again.Accepted, again.Ignored));
        Assert.Empty(again.Events);
    }

    [Fact]
    public async Task Presence_survives_deactivation_and_reactivation()
    {
        var user = await NewUserAsync();
        var zone = await user.CreateZone(Circle());
        var entered = await user.ReportLocations(new LocationBatch("phone", [Away(0), Inside(10)]));
        Assert.Single(entered.Events);

        await fixture.Cluster.DeactivateAsync(user);

        Assert.Equal([zone.Id], (await user.GetPresence()).InsideZoneIds);
        var stillInside = await user.ReportLocations(new LocationBatch("phone", [Inside(20)]));
        Assert.Empty(stillInside.Events);
        var left = await user.ReportLocations(new LocationBatch("phone", [Away(30)]));
        Assert.Equal([ActivityTypes.Exit], left.Events.Select(e => e.Type));
        Assert.NotEqual(entered.Events[0].Id, left.Events[0].Id);
    }

    [Fact]
    public async Task Zones_are_reloaded_from_the_database_after_deactivation()
    {
        var user = await NewUserAsync();
        var kept = await user.CreateZone(Circle());
        var deleted = await user.CreateZone(TestData.PolygonWithHole());
        Assert.True(await user.DeleteZone(deleted.Id));

        await fixture.Cluster.DeactivateAsync(user);

        var page = await user.ListZones(1, 20);
        Assert.Equal([kept.Id], page.Items.Select(z => z.Id));
        Assert.Equal(kept.Definition, page.Items[0].Definition);
        Assert.Null(await user.GetZone(deleted.Id));
    }

    [Fact]
    public async Task A_zone_image_is_stored_and_listed_like_the_other_zone_fields()
    {
        var user = await NewUserAsync();
        var zone = await user.CreateZone(Circle());

        var first = await user.SetZoneImage(zone.Id, "/api/v1/images/first.webp");
        var second = await user.SetZoneImage(zone.Id, "/api/v1/images/second.webp");
        await fixture.Cluster.DeactivateAsync(user);

        Assert.Null(first!.PreviousImageUrl);
        Assert.Equal("/api/v1/images/first.webp", second!.PreviousImageUrl);
        Assert.Equal(zone.Definition, second.Zone.Definition);
        Assert.Equal("/api/v1/images/second.webp", (await user.GetZone(zone.Id))!.ImageUrl);
        Assert.Equal("/api/v1/images/second.webp", Assert.Single((await user.ListZones(1, 20)).Items).ImageUrl);
        Assert.Null(await user.SetZoneImage(Guid.NewGuid(), "/api/v1/images/none.webp"));
    }

    [Fact]
    public async Task A_pending_dwell_fires_even_when_the_grain_was_deactivated_before_it_was_due()
    {
        var user = await NewUserAsync();
        var zone = await user.CreateZone(Circle() with { DwellSeconds = 2 });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entered = await user.ReportLocations(new LocationBatch("phone", [At(0, Lat + 0.005, Lon) with { Timestamp = now - 60_000 },
            At(0, Lat, Lon) with { Timestamp = now }]));
        Assert.Single(entered.Events);

        // The in-memory timer dies with the activation; only the durable reminder can bring the dwell now.
        await fixture.Cluster.DeactivateAsync(user);

        var dwells = await Eventually.Until(
            () => fixture.Database.DataSource.ScalarAsync<long>(
                "SELECT count(*) FROM activities WHERE user_id = @user AND type = 'dwell'", ("user", user.GetPrimaryKey())),
            count => count > 0, "the dwell activity, written after the reminder reactivates the user", TimeSpan.FromMinutes(3));
        Assert.Equal(1, dwells);
        var dwellAt = await fixture.Database.DataSource.ScalarAsync<long>(
            "SELECT (extract(epoch FROM timestamp) * 1000)::bigint FROM activities WHERE user_id = @user AND type = 'dwell'",
            ("user", user.GetPrimaryKey()));
        Assert.Equal(now + 2_000, dwellAt);
        Assert.Equal([zone.Id], (await user.GetPresence()).InsideZoneIds);
    }

    [Fact]
    public async Task A_dwell_days_away_keeps_its_reminder_until_the_visit_ends()
    {
        // The longest dwell allowed (7 days) is more than one timer is set for (a day): the timer is capped, the
        // reminder is not.
        var user = await NewUserAsync();
        await user.CreateZone(Circle() with { DwellSeconds = ZoneLimits.MaxDwellSeconds });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var entered = await user.ReportLocations(new LocationBatch("phone", [At(0, Lat, Lon) with { Timestamp = now }]));
        Assert.Equal([ActivityTypes.Enter], entered.Events.Select(e => e.Type));
        Assert.Equal(1, await DwellRemindersAsync(user));

        var left = await user.ReportLocations(new LocationBatch("phone", [At(0, Lat + 0.05, Lon) with { Timestamp = now + 600_000 }]));
        Assert.Equal([ActivityTypes.Exit], left.Events.Select(e => e.Type));
        Assert.Equal(0, await DwellRemindersAsync(user));
    }

    Task<long> DwellRemindersAsync(IUserGrain user) => fixture.Database.DataSource.ScalarAsync<long>(
        "SELECT count(*) FROM orleansreminderstable WHERE remindername = 'dwell' AND grainid LIKE '%' || @key",
        ("key", user.GetPrimaryKey().ToString("N")));
}
