using Zones.Geofencing;
using static Zones.UnitTests.TestZones;

namespace Zones.UnitTests;

/// <summary>Random users walking through random zones: the engine must report exactly what the reference
/// model does, batch by batch, whatever the batching, order, duplicates, bad fixes, timers and zone changes.</summary>
public sealed class PropertyTests
{
    static readonly GeofencingOptions Options = new()
    {
        MaxAccuracyMeters = 50, MaxSpeedKmh = 200, MinMarginMeters = 20, RadiusMarginFraction = 0.1,
    };

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 8)]
    [InlineData(3, 15)]
    [InlineData(4, 16)]
    [InlineData(5, 40)]
    [InlineData(6, 120)]
    [InlineData(42, 60)]
    [InlineData(2024, 400)]
    public void Engine_matches_the_reference_model_on_random_trajectories(int seed, int zoneCount)
    {
        var random = new Random(seed);
        var user = Guid.NewGuid();
        var engine = new GeofenceEngine(Options);
        var reference = new ReferenceGeofence(Options, user);
        var presence = new UserPresence();
        var zones = new List<Zone>();
        for (var i = 0; i < zoneCount; i++)
        {
            var zone = RandomZone(random);
            zones.Add(zone);
            reference.Upsert(zone);
        }

        engine.Load(zones);
        var pings = RandomTrajectory(random, zones, 1_500);
        var counts = new Dictionary<string, int> { ["enter"] = 0, ["exit"] = 0, ["dwell"] = 0 };
        var sent = 0;
        while (sent < pings.Count)
        {
            var batch = NextBatch(random, pings, ref sent);
            var expected = reference.Evaluate(batch);
            var actual = engine.Evaluate(user, presence, batch);

            Assert.Equal(expected.Accepted, actual.Accepted);
            Assert.Equal(expected.Ignored, actual.Ignored);
            AssertSame(expected.Events, actual.Transitions);
            foreach (var e in expected.Events)
            {
                counts[e.Type]++;
            }

            if (random.NextDouble() < 0.3)
            {
                var now = presence.HighWaterMark!.Value + random.Next(0, 300_000);
                AssertSame(reference.CollectDueDwells(now), engine.CollectDueDwells(user, presence, now));
            }

            ChangeZones(random, engine, reference, presence, zones);
            Assert.Equal(reference.InsideZones, presence.Zones.Where(z => z.Value.Inside).Select(z => z.Key).Order());
        }

        // The walk must actually exercise the rules, or this test proves nothing.
        Assert.True(counts["enter"] >= 20 && counts["exit"] >= 10 && counts["dwell"] >= 1,
            $"too few transitions: {string.Join(", ", counts)}");
    }

    static void AssertSame(List<ReferenceGeofence.Event> expected, IReadOnlyList<Transition> actual)
    {
        var mapped = actual.Select(t => new ReferenceGeofence.Event(t.Event.Id, t.Event.ZoneId, t.Event.Type,
            t.Event.Timestamp, t.Event.Latitude, t.Event.Longitude, t.Push)).ToList();
        Assert.Equal(expected, mapped);
    }

    static List<Ping> NextBatch(Random random, List<Ping> pings, ref int sent)
    {
        var size = Math.Min(random.Next(1, 40), pings.Count - sent);
        var batch = pings.GetRange(sent, size);
        if (sent > 0 && random.NextDouble() < 0.2)
        {
            batch.Add(pings[random.Next(0, sent)]); // a resent old ping: ignored
        }

        sent += size;
        if (random.NextDouble() < 0.5)
        {
            Shuffle(random, batch);
        }

        return batch;
    }

    static void ChangeZones(Random random, GeofenceEngine engine, ReferenceGeofence reference, UserPresence presence, List<Zone> zones)
    {
        var roll = random.NextDouble();
        if (roll < 0.03 && zones.Count > 1)
        {
            var zone = zones[random.Next(zones.Count)];
            zones.Remove(zone);
            engine.Remove(zone.Id, presence);
            reference.Remove(zone.Id);
        }
        else if (roll < 0.06)
        {
            var zone = RandomZone(random);
            zones.Add(zone);
            engine.Upsert(zone);
            reference.Upsert(zone);
        }
    }

    internal static void Shuffle<T>(Random random, List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Zones over a 4 km square: circles from 5 m (where the inward cap matters) to 800 m; star-shaped
    /// polygons 500-1,500 m across their points, some with a hole.</summary>
    static Zone RandomZone(Random random)
    {
        var north = random.NextDouble() * 4_000 - 2_000;
        var east = random.NextDouble() * 4_000 - 2_000;
        int? dwell = random.NextDouble() < 0.4 ? new[] { 0, 30, 120, 600 }[random.Next(4)] : null;
        var option = new[] { NotificationOptions.Both, NotificationOptions.Enter, NotificationOptions.Exit }[random.Next(3)];
        if (random.NextDouble() < 0.5)
        {
            var radius = random.NextDouble() < 0.3 ? 5 + random.NextDouble() * 55 : 100 + random.NextDouble() * 700;
            return Circle(north, east, radius, dwell, option);
        }

        var size = 500 + random.NextDouble() * 1_000;
        var vertices = random.Next(6, 15);
        var step = 2 * Math.PI / vertices;
        var shell = new List<(double, double)>();
        for (var i = 0; i < vertices; i++)
        {
            var angle = i * step + (random.NextDouble() - 0.5) * 0.3 * step;
            var r = size * (0.75 + 0.25 * random.NextDouble());
            shell.Add((north + r * Math.Sin(angle), east + r * Math.Cos(angle)));
        }

        var rings = new List<IReadOnlyList<double[]>> { Ring([.. shell]) };
        if (random.NextDouble() < 0.3)
        {
            rings.Add(Square(north, east, size * 0.07));
        }

        var definition = PolygonDefinition(rings, dwell) with { NotificationOption = option };
        GeofenceEngine.Validate(definition);
        return new Zone(Guid.NewGuid(), User, definition, null, 0, 0);
    }

    /// <summary>A walk (or drive) from zone to zone, pausing in some, with GPS noise, poor fixes, outliers and
    /// duplicate timestamps. Heading for zone centres makes the walk cross small zones too.</summary>
    static List<Ping> RandomTrajectory(Random random, IReadOnlyList<Zone> zones, int count)
    {
        var pings = new List<Ping>();
        double north = random.NextDouble() * 3_000 - 1_500, east = random.NextDouble() * 3_000 - 1_500;
        (double North, double East) target = (north, east);
        var pauseUntil = 0L;
        long t = 1_700_000_000_000;
        for (var i = 0; i < count; i++)
        {
            var seconds = random.Next(1, 30);
            t += seconds * 1_000L;
            var (dn, de) = (target.North - north, target.East - east);
            var distance = Math.Sqrt(dn * dn + de * de);
            if (t < pauseUntil)
            {
                // standing still
            }
            else if (distance < 5)
            {
                pauseUntil = t + (random.NextDouble() < 0.5 ? random.Next(0, 900_000) : 0);
                var zone = zones[random.Next(zones.Count)].Definition;
                target = random.NextDouble() < 0.7
                    ? ((zone.Latitude - OriginLat) * 111_195, (zone.Longitude - OriginLon) * 111_195 * Math.Cos(OriginLat * Math.PI / 180))
                    : (random.NextDouble() * 4_000 - 2_000, random.NextDouble() * 4_000 - 2_000);
            }
            else
            {
                var step = Math.Min(distance, (1 + random.NextDouble() * 14) * seconds);
                north += dn / distance * step;
                east += de / distance * step;
            }

            var accuracy = random.NextDouble() switch
            {
                < 0.85 => 3 + random.NextDouble() * 37,
                < 0.95 => 40 + random.NextDouble() * 10,
                _ => 60 + random.NextDouble() * 240,
            };
            var (n, e) = random.NextDouble() < 0.03
                ? (north + 3_000 + random.NextDouble() * 2_000, east) // an outlier: usually an impossible speed
                : (north + Gaussian(random) * accuracy / 2, east + Gaussian(random) * accuracy / 2);
            var stamp = random.NextDouble() < 0.02 && pings.Count > 0 ? pings[^1].Timestamp : t;
            pings.Add(PingAt(n, e, stamp, random.NextDouble() < 0.05 ? null : accuracy));
        }

        return pings;
    }

    internal static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
