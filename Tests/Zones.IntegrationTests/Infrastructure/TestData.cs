using Zones.Accounts;
using Zones.Activities;
using Zones.Geofencing;
using Zones.Silo.Postgres;

namespace Zones.IntegrationTests.Infrastructure;

/// <summary>Builders for realistic rows.</summary>
public static class TestData
{
    public static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static AccountRecord Account(string? email = null, string? username = null)
    {
        var id = Guid.NewGuid();
        var tag = id.ToString("N")[..10];
        var profile = new UserProfile(id, email ?? $"user-{tag}@example.com", username ?? $"user_{tag}", "Test User",
            Bio: null, ProfileImageUrl: null, Phone: null, Gender: null, Streak: 0, Role: "user", CreatedAt: Now, UpdatedAt: Now);
        return new AccountRecord(profile, "$2a$10$abcdefghijklmnopqrstuuJ9kXx1b9gK1QZ5kq6rS0v8H8m1u4f2K");
    }

    /// <summary>Creates a live account and returns its id (zones reference users).</summary>
    public static async Task<Guid> CreateUserAsync(PostgresAccountStore accounts)
    {
        var account = Account();
        await accounts.CreateAsync(account);
        return account.Profile.Id;
    }

    public static ZoneDefinition Circle(double latitude = 52.520008, double longitude = 13.404954, double radius = 150) =>
        new("Office", "Alexanderplatz 1, Berlin", latitude, longitude, radius, Polygon: null, Icon: "briefcase", Color: "#3366ff",
            Description: "Where work happens", NotificationOption: NotificationOptions.Both,
            NotificationText: "You have entered the zone", DwellSeconds: 300);

    /// <summary>A square park (about 1.1 km a side) with a square pond cut out of its middle.</summary>
    public static ZoneDefinition PolygonWithHole() =>
        new("Park", null, 52.5145, 13.3501, 200,
            new PolygonCoordinates(
            [
                [[13.345, 52.510], [13.355, 52.510], [13.355, 52.520], [13.345, 52.520], [13.345, 52.510]],
                [[13.349, 52.514], [13.349, 52.516], [13.351, 52.516], [13.351, 52.514], [13.349, 52.514]],
            ]),
            Icon: null, Color: null, Description: null, NotificationOption: NotificationOptions.Exit,
            NotificationText: "Bye", DwellSeconds: null);

    public static Zone Zone(Guid userId, ZoneDefinition definition) =>
        new(Guid.NewGuid(), userId, definition, ImageUrl: null, CreatedAt: Now, UpdatedAt: Now);

    public static ActivityRecord Activity(Guid userId, Guid? zoneId = null, string type = ActivityTypes.Enter, long? timestamp = null, string? deviceId = "phone-1") =>
        new(userId,
            new ZoneEvent(Guid.NewGuid(), zoneId ?? Guid.NewGuid(), "Office", type, timestamp ?? Now, 52.52, 13.405,
                Icon: "briefcase", NotificationText: "You have entered the zone"),
            deviceId);
}
