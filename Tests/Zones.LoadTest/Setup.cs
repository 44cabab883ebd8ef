using System.Diagnostics;

namespace Zones.LoadTest;

/// <summary>A registered user with the zones it owns and the phone that will ping for it.</summary>
public sealed record LoadUser(int Index, string Token, Walker Walker);

/// <summary>Registers the users and creates their zones; not timed as load.</summary>
public static class Setup
{
    // Berlin's centre; any city works, the server has no notion of one.
    private const double CityLatitude = 52.5200;
    private const double CityLongitude = 13.4050;
    private const double MetersPerDegree = 6_371_008.8 * Math.PI / 180;

    // Zones sit on a jittered 1.5 km grid: with radius <= 500 m and the walker at most ~575 m from its
    // zone's centre, no walker ever comes near a second zone, so only deliberate crossings make events.
    private const double Cell = 1_500;
    private const double Jitter = 150;
    private const int Columns = 5;

    // Device clocks start in the past because a request moves a user's clock by batch x ~5 s, far faster than
    // real time. Sized for up to this many requests/s over all users; beyond it the report shows clamped batches.
    private const double PlannedRequestsPerSecond = 10_000;

    public static async Task<IReadOnlyList<LoadUser>?> RunAsync(ZonesClient client, LoadOptions options)
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        var random = new Random(options.Seed);
        var plans = Enumerable.Range(0, options.Users).Select(i => Plan(i, options, random)).ToArray();
        var lookback = TimeSpan.FromSeconds(Math.Max(TimeSpan.FromHours(24).TotalSeconds,
            options.DurationSeconds * PlannedRequestsPerSecond / options.Users * options.Batch * 5.5));
        var start = DateTimeOffset.UtcNow.Add(-lookback).ToUnixTimeMilliseconds();
        var users = new LoadUser[options.Users];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency };

        Console.WriteLine($"setup: run {runId}, registering {options.Users} users with {options.ZonesPerUser} zones each ...");
        var clock = Stopwatch.StartNew();
        try
        {
            var tokens = new string[options.Users];
            await Parallel.ForEachAsync(Enumerable.Range(0, options.Users), parallel, async (i, ct) =>
                tokens[i] = await client.RegisterAsync($"load-{runId}-{i}@example.com", $"load_{runId}_{i}", "load-test-password", ct));
            var registered = clock.Elapsed;

            clock.Restart();
            var creations = Enumerable.Range(0, options.Users)
                .SelectMany(u => plans[u].Zones.Select(z => (User: u, Zone: z)));
            await Parallel.ForEachAsync(creations, parallel, async (c, ct) => await client.CreateZoneAsync(tokens[c.User], c.Zone, ct));
            Console.WriteLine($"setup: {options.Users} users in {registered.TotalSeconds:F1} s, "
                + $"{options.Users * options.ZonesPerUser} zones in {clock.Elapsed.TotalSeconds:F1} s");

            for (var i = 0; i < options.Users; i++)
            {
                users[i] = new LoadUser(i, tokens[i], new Walker(plans[i].Target, new Random(plans[i].Seed), start));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"setup failed: {e.Message}");
            return null;
        }

        return users;
    }

    private static (ZoneBody[] Zones, ZoneBody Target, int Seed) Plan(int user, LoadOptions options, Random random)
    {
        // Each user's grid starts somewhere within ~4 km of the centre, so users' zones overlap each other's.
        var originNorth = (random.NextDouble() - 0.5) * 8_000;
        var originEast = (random.NextDouble() - 0.5) * 8_000;
        var zones = new ZoneBody[options.ZonesPerUser];
        for (var z = 0; z < zones.Length; z++)
        {
            var north = originNorth + ((z / Columns) * Cell) + ((random.NextDouble() - 0.5) * 2 * Jitter);
            var east = originEast + ((z % Columns) * Cell) + ((random.NextDouble() - 0.5) * 2 * Jitter);
            var latitude = CityLatitude + (north / MetersPerDegree);
            var longitude = CityLongitude + (east / (MetersPerDegree * Math.Cos(CityLatitude * Math.PI / 180)));
            var radius = Math.Round(100 + (random.NextDouble() * 400));
            zones[z] = new ZoneBody($"Load zone {user}-{z}", Math.Round(latitude, 7), Math.Round(longitude, 7), radius, "both");
        }

        return (zones, zones[random.Next(zones.Length)], random.Next());
    }
}
