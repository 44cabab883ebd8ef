using Zones.Geofencing;
using static Zones.UnitTests.TestZones;

namespace Zones.UnitTests;

/// <summary>Realistic GPS traces. Noise model: the reported accuracy is the 68% horizontal radius (Android's
/// definition), so each axis gets Gaussian noise with sigma = accuracy / 1.515.</summary>
public sealed class TraceTests
{
    const double Accuracy = 10;
    const double Sigma = Accuracy / 1.515;
    const int PingsPerHour = 720; // one every 5 s

    static Ping Noisy(Random random, double north, double east, long timestamp) =>
        PingAt(north + PropertyTests.Gaussian(random) * Sigma, east + PropertyTests.Gaussian(random) * Sigma, timestamp, Accuracy);

    public static TheoryData<string, double> Stands => new()
    {
        { "circle", -10 }, // 10 m outside the edge, never entered
        { "circle", 10 },  // 10 m inside, after walking in
        { "polygon", -10 },
        { "polygon", 10 },
    };

    [Theory]
    [MemberData(nameof(Stands))]
    public void Standing_near_an_edge_for_an_hour_with_gps_noise_reports_no_transition(string shape, double depth)
    {
        // Circle of 200 m at the origin, or a 600 m square: the east edge is at 200 m / 300 m.
        var (zone, edge) = shape == "circle" ? (Circle(0, 0, 200), 200.0) : (Polygon(Square(0, 0, 300)), 300.0);
        var engine = Engine(zone);
        var presence = new UserPresence();
        var random = new Random(7);
        var t = 1_700_000_000_000L;
        if (depth > 0)
        {
            var walkIn = engine.Evaluate(User, presence, [PingAt(0, 0, t, Accuracy), PingAt(0, edge / 2, t + 30_000, Accuracy)]);
            Assert.Single(walkIn.Transitions);
            t += 60_000;
        }

        var transitions = 0;
        var rawEdgeCrossings = 0;
        var wasInside = depth > 0;
        for (var i = 0; i < PingsPerHour; i++)
        {
            var ping = Noisy(random, 0, edge - depth, t + i * 5_000L);
            transitions += engine.Evaluate(User, presence, [ping]).Transitions.Count;
            var isInside = (ping.Longitude - OriginLon) < (At(0, edge).Lon - OriginLon);
            rawEdgeCrossings += isInside != wasInside ? 1 : 0;
            wasInside = isInside;
        }

        Assert.Equal(0, transitions);
        // Without hysteresis the same trace would flap: the noise crosses the edge itself again and again.
        Assert.True(rawEdgeCrossings > 20, $"the trace crossed the raw edge only {rawEdgeCrossings} times");
    }

    [Theory]
    [InlineData("circle", 1)]
    [InlineData("circle", 2)]
    [InlineData("polygon", 3)]
    [InlineData("polygon", 4)]
    public void Walking_straight_through_a_zone_with_gps_noise_reports_one_enter_and_one_exit(string shape, int seed)
    {
        var zone = shape == "circle" ? Circle(0, 0, 200) : Polygon(Square(0, 0, 300));
        var engine = Engine(zone);
        var presence = new UserPresence();
        var random = new Random(seed);
        var events = new List<ZoneEvent>();

        // 1.4 m/s, a ping every 5 s, from 500 m west to 500 m east of the centre.
        for (var i = 0; i * 7.0 <= 1_000; i++)
        {
            events.AddRange(engine.Evaluate(User, presence, [Noisy(random, 0, -500 + i * 7.0, 1_700_000_000_000L + i * 5_000L)]).Events());
        }

        Assert.Equal([ActivityTypes.Enter, ActivityTypes.Exit], events.Select(e => e.Type));
    }
}
