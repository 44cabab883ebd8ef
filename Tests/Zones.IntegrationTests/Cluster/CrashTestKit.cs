using Npgsql;
using Zones.Accounts;
using Zones.Geofencing;
using Zones.IntegrationTests.Infrastructure;
using Zones.Users;

namespace Zones.IntegrationTests.Cluster;

/// <summary>One row of the activity log as a test compares it.</summary>
public sealed record StoredActivity(Guid Id, Guid ZoneId, string Type, long Timestamp);

/// <summary>A user with zone A and the ids of the first visit's enter and exit.</summary>
public sealed record VisitorOfA(IUserGrain User, Guid UserId, Zone Zone, Guid EnterId, Guid ExitId);

/// <summary>Places, pings, users and the activity log for the crash tests.</summary>
public static class CrashTestKit
{
    public const double Lat = 52.520008, Lon = 13.404954;

    /// <summary>Pings are ten minutes apart: a hop between any two places below stays far under the speed
    /// limit, so every ping may move presence.</summary>
    public const long Step = 10 * 60_000L;

    public static readonly long T0 = DateTimeOffset.UtcNow.AddHours(-12).ToUnixTimeMilliseconds();

    public static long At(int step) => T0 + step * Step;

    /// <summary>Zone A's centre.</summary>
    public static Ping InsideA(int step) => new(Lat, Lon, 5, At(step));

    /// <summary>Zone B's centre, about 1.1 km north of A.</summary>
    public static Ping InsideB(int step) => new(Lat + 0.01, Lon, 5, At(step));

    /// <summary>About 5.5 km north of A, far outside both zones.</summary>
    public static Ping Away(int step) => new(Lat + 0.05, Lon, 5, At(step));

    public static ZoneDefinition CircleA() => TestData.Circle(Lat, Lon, 150) with { Title = "A", DwellSeconds = null };

    public static ZoneDefinition CircleB() => TestData.Circle(Lat + 0.01, Lon, 150) with { Title = "B", DwellSeconds = null };

    public static LocationBatch Batch(params Ping[] pings) => new("phone", pings);

    public static async Task<IUserGrain> NewUserAsync(IClusterClient client)
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var profile = await client.GetGrain<IAccountsGrain>(0)
            .Register(new Registration($"c{tag}@example.test", "long enough secret", $"c_{tag}", "Crash Test"));
        return client.GetGrain<IUserGrain>(profile.Id);
    }

    /// <summary>A new user with zone A, and the ids that visit 1 of A must get.</summary>
    public static async Task<VisitorOfA> NewVisitorOfAAsync(IClusterClient client)
    {
        var user = await NewUserAsync(client);
        var userId = user.GetPrimaryKey();
        var zone = await user.CreateZone(CircleA());
        return new VisitorOfA(user, userId, zone,
            ActivityIds.For(userId, zone.Id, 1, ActivityTypes.Enter), ActivityIds.For(userId, zone.Id, 1, ActivityTypes.Exit));
    }

    /// <summary>The user's whole activity log in time order (exit before enter within one ping, as stored
    /// order within a timestamp is not what is under test).</summary>
    public static async Task<List<StoredActivity>> ActivitiesAsync(this NpgsqlDataSource dataSource, Guid userId)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, zone_id, type, (extract(epoch FROM "timestamp") * 1000)::bigint
            FROM activities WHERE user_id = @user
            ORDER BY "timestamp", CASE type WHEN 'exit' THEN 0 WHEN 'enter' THEN 1 ELSE 2 END, zone_id
            """);
        command.Parameters.AddWithValue("user", userId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<StoredActivity>();
        while (await reader.ReadAsync())
        {
            rows.Add(new StoredActivity(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3)));
        }
        return rows;
    }

    /// <summary>Rows and distinct ids of the user's log: equal when no activity is stored twice.</summary>
    public static async Task<(long Rows, long DistinctIds)> CountAsync(this NpgsqlDataSource dataSource, Guid userId) =>
        (await dataSource.ScalarAsync<long>("SELECT count(*) FROM activities WHERE user_id = @user", ("user", userId)),
         await dataSource.ScalarAsync<long>("SELECT count(DISTINCT id) FROM activities WHERE user_id = @user", ("user", userId)));

    /// <summary>The ids the log must carry if it has no gap and no duplicate: per zone, the n-th enter and the
    /// exit after it belong to visit n.</summary>
    public static List<Guid> ExpectedIds(Guid userId, IEnumerable<StoredActivity> log)
    {
        var visits = new Dictionary<Guid, int>();
        var ids = new List<Guid>();
        foreach (var row in log)
        {
            var visit = visits.GetValueOrDefault(row.ZoneId);
            if (row.Type == ActivityTypes.Enter)
            {
                visits[row.ZoneId] = ++visit;
            }
            ids.Add(ActivityIds.For(userId, row.ZoneId, visit, row.Type));
        }
        return ids;
    }
}
