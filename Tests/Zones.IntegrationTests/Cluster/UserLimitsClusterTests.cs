using Zones.Errors;
using Zones.Geofencing;
using Zones.IntegrationTests.Infrastructure;
using Zones.Users;

namespace Zones.IntegrationTests.Cluster;

/// <summary>The bounds a user grain keeps (Limits:MaxZonesPerUser, Limits:MaxEventsPerAnswer) at their defaults,
/// on the real stores.</summary>
[Collection(ZonesClusterCollection.Name)]
public sealed class UserLimitsClusterTests(ZonesClusterFixture fixture)
{
    const double Lat = 52.520008, Lon = 13.404954;
    static readonly long T0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    static Ping At(int minute, double latitude) => new(latitude, Lon, 5, T0 + minute * 60_000L);

    [Fact]
    public async Task The_1001st_zone_is_a_conflict_and_a_batch_answers_at_most_1000_events_while_storing_all()
    {
        var user = await CrashTestKit.NewUserAsync(fixture.Client);
        var circle = TestData.Circle(Lat, Lon, 150) with { DwellSeconds = null };
        var zones = new List<Zone>();
        for (var i = 0; i < 1_000; i++)
        {
            zones.Add(await user.CreateZone(circle with { Title = $"Zone {i}" }));
        }

        var refused = await Assert.ThrowsAsync<ConflictException>(() => user.CreateZone(circle));
        Assert.Contains("at most 1000 zones", refused.Message);
        Assert.Equal(1_000, (await user.ListZones(1, 1)).Total);

        // Deleting one makes room again.
        Assert.True(await user.DeleteZone(zones[0].Id));
        await user.CreateZone(circle with { Title = "Replacement" });
        await Assert.ThrowsAsync<ConflictException>(() => user.CreateZone(circle));

        // Into all 1,000 overlapping zones and out again: 2,000 transitions in one batch.
        var report = await user.ReportLocations(new LocationBatch("phone", [At(0, Lat + 0.05), At(10, Lat), At(20, Lat + 0.05)]));

        Assert.Equal(1_000, report.Events.Count);
        Assert.Equal(1_000, report.EventsOmitted);
        Assert.All(report.Events, e => Assert.Equal(ActivityTypes.Enter, e.Type));
        var stored = await fixture.Database.DataSource.ScalarAsync<long>(
            "SELECT count(*) FROM activities WHERE user_id = @user", ("user", user.GetPrimaryKey()));
        Assert.Equal(2_000, stored);
    }

    [Fact]
    public async Task A_dwell_longer_than_seven_days_is_refused_by_the_grain()
    {
        var user = await CrashTestKit.NewUserAsync(fixture.Client);

        var refused = await Assert.ThrowsAsync<DomainValidationException>(() =>
            user.CreateZone(TestData.Circle() with { DwellSeconds = ZoneLimits.MaxDwellSeconds + 1 }));

        Assert.Equal("dwellSeconds", Assert.Single(refused.Details).Field);
        Assert.Equal(ZoneLimits.MaxDwellSeconds, (await user.CreateZone(TestData.Circle() with { DwellSeconds = ZoneLimits.MaxDwellSeconds })).Definition.DwellSeconds);
    }
}
