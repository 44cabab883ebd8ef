using Npgsql;
using Zones.Errors;
using Zones.Geofencing;
using Zones.IntegrationTests.Infrastructure;
using Zones.Silo.Postgres;

namespace Zones.IntegrationTests;

public sealed class ZoneStoreTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly PostgresZoneStore _zones = new(db.DataSource);
    private readonly PostgresAccountStore _accounts = new(db.DataSource);

    [Fact]
    public async Task A_circle_zone_comes_back_exactly_as_stored()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var zone = TestData.Zone(userId, TestData.Circle());

        await _zones.InsertAsync(zone);
        var loaded = Assert.Single(await _zones.LoadLiveZonesAsync(userId));

        Assert.Equal(zone with { Definition = null! }, loaded with { Definition = null! });
        Assert.Equal(zone.Definition, loaded.Definition);
        var distance = await db.DataSource.ScalarAsync<double>(
            "SELECT ST_Distance(location, ST_SetSRID(ST_MakePoint(13.404954, 52.520008), 4326)::geography) FROM zones WHERE id = @id",
            ("id", zone.Id));
        Assert.True(distance < 0.01, $"the stored point is {distance} m from the centre");
    }

    [Fact]
    public async Task A_polygon_with_a_hole_round_trips_its_rings_and_is_queryable_as_geography()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var zone = TestData.Zone(userId, TestData.PolygonWithHole());

        await _zones.InsertAsync(zone);
        var loaded = Assert.Single(await _zones.LoadLiveZonesAsync(userId));

        var expected = zone.Definition.Polygon!.Rings;
        var actual = loaded.Definition.Polygon!.Rings;
        Assert.Equal(expected.Count, actual.Count);
        for (var ring = 0; ring < expected.Count; ring++)
        {
            Assert.Equal(expected[ring].Select(p => (p[0], p[1])), actual[ring].Select(p => (p[0], p[1])));
        }
        Assert.Equal(NotificationOptions.Exit, loaded.Definition.NotificationOption);
        Assert.Null(loaded.Definition.DwellSeconds);

        var coversPark = await CoversAsync(zone.Id, 13.346, 52.511);
        var coversPond = await CoversAsync(zone.Id, 13.350, 52.515);
        Assert.True(coversPark, "a point in the park is inside the polygon");
        Assert.False(coversPond, "a point in the pond (the hole) is outside the polygon");
    }

    [Fact]
    public async Task An_updated_zone_loads_with_its_new_shape()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var zone = TestData.Zone(userId, TestData.Circle());
        await _zones.InsertAsync(zone);

        var changed = zone with { Definition = TestData.PolygonWithHole() with { Title = "Renamed" }, UpdatedAt = zone.UpdatedAt + 5_000 };
        await _zones.UpdateAsync(changed);
        var loaded = Assert.Single(await _zones.LoadLiveZonesAsync(userId));

        Assert.Equal("Renamed", loaded.Definition.Title);
        Assert.NotNull(loaded.Definition.Polygon);
        Assert.Equal(zone.CreatedAt, loaded.CreatedAt);
        Assert.Equal(changed.UpdatedAt, loaded.UpdatedAt);
    }

    [Fact]
    public async Task A_soft_deleted_zone_is_no_longer_loaded_and_cannot_be_deleted_twice()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var kept = TestData.Zone(userId, TestData.Circle());
        var deleted = TestData.Zone(userId, TestData.PolygonWithHole());
        await _zones.InsertAsync(kept);
        await _zones.InsertAsync(deleted);

        var first = await _zones.SoftDeleteAsync(userId, deleted.Id, TestData.Now + 1_000);
        var second = await _zones.SoftDeleteAsync(userId, deleted.Id, TestData.Now + 2_000);
        var byAnotherUser = await _zones.SoftDeleteAsync(Guid.NewGuid(), kept.Id, TestData.Now);

        Assert.True(first);
        Assert.False(second);
        Assert.False(byAnotherUser);
        Assert.Equal([kept.Id], (await _zones.LoadLiveZonesAsync(userId)).Select(z => z.Id));
        Assert.Equal(1L, await db.DataSource.ScalarAsync<long>("SELECT count(*) FROM zones WHERE id = @id AND deleted_at IS NOT NULL", ("id", deleted.Id)));
    }

    [Theory]
    [InlineData(91.0, 13.4, 100.0, "enter")]
    [InlineData(52.5, 181.0, 100.0, "enter")]
    [InlineData(52.5, 13.4, 0.5, "enter")]
    [InlineData(52.5, 13.4, 50_001.0, "enter")]
    [InlineData(52.5, 13.4, 100.0, "sometimes")]
    public async Task The_database_rejects_a_zone_outside_the_allowed_ranges(double latitude, double longitude, double radius, string option)
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var zone = TestData.Zone(userId, TestData.Circle(latitude, longitude, radius) with { NotificationOption = option });

        var error = await Assert.ThrowsAsync<PostgresException>(() => _zones.InsertAsync(zone));

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.Empty(await _zones.LoadLiveZonesAsync(userId));
    }

    [Fact]
    public async Task The_database_rejects_a_negative_dwell_time()
    {
        var userId = await TestData.CreateUserAsync(_accounts);
        var zone = TestData.Zone(userId, TestData.Circle() with { DwellSeconds = -1 });

        var error = await Assert.ThrowsAsync<PostgresException>(() => _zones.InsertAsync(zone));

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    private Task<bool> CoversAsync(Guid zoneId, double longitude, double latitude) =>
        db.DataSource.ScalarAsync<bool>(
            "SELECT ST_Covers(polygon, ST_SetSRID(ST_MakePoint(@lon, @lat), 4326)::geography) FROM zones WHERE id = @id",
            ("id", zoneId), ("lon", longitude), ("lat", latitude));
}

public sealed class AccountStoreTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly PostgresAccountStore _accounts = new(db.DataSource);

    [Fact]
    public async Task A_registered_account_is_found_by_email_in_any_case_and_by_id()
    {
        var account = TestData.Account(email: $"Mixed.Case-{Guid.NewGuid():N}@Example.com");

        await _accounts.CreateAsync(account);
        var byEmail = await _accounts.FindByEmailAsync(account.Profile.Email.ToUpperInvariant());
        var byId = await _accounts.FindByIdAsync(account.Profile.Id);

        Assert.NotNull(byEmail);
        Assert.Equal(account.Profile, byEmail.Profile);
        Assert.Equal(account.PasswordHash, byEmail.PasswordHash);
        Assert.Equal(account.Profile, byId);
    }

    [Fact]
    public async Task An_email_taken_in_another_case_is_a_conflict_on_email()
    {
        var first = TestData.Account();
        await _accounts.CreateAsync(first);
        var second = TestData.Account(email: first.Profile.Email.ToUpperInvariant());

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => _accounts.CreateAsync(second));

        Assert.Equal(ErrorCodes.Conflict, conflict.Code);
        Assert.Equal("email", Assert.Single(conflict.Details).Field);
        Assert.Null(await _accounts.FindByIdAsync(second.Profile.Id));
    }

    [Fact]
    public async Task A_username_taken_in_another_case_is_a_conflict_on_username()
    {
        var first = TestData.Account();
        await _accounts.CreateAsync(first);
        var second = TestData.Account(username: first.Profile.Username.ToUpperInvariant());

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => _accounts.CreateAsync(second));

        Assert.Equal("username", Assert.Single(conflict.Details).Field);
    }

    [Fact]
    public async Task Unknown_email_and_id_find_nothing()
    {
        Assert.Null(await _accounts.FindByEmailAsync("nobody@example.com"));
        Assert.Null(await _accounts.FindByIdAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task A_soft_deleted_account_is_not_found()
    {
        var account = TestData.Account();
        await _accounts.CreateAsync(account);

        await db.DataSource.ExecuteAsync("UPDATE users SET deleted_at = now() WHERE id = @id", ("id", account.Profile.Id));

        Assert.Null(await _accounts.FindByEmailAsync(account.Profile.Email));
        Assert.Null(await _accounts.FindByIdAsync(account.Profile.Id));
    }
}
