using Zones.Bench;
using Zones.Geofencing;
using static Zones.UnitTests.TestZones;

namespace Zones.UnitTests;

/// <summary>deploy/local/bench.sh judges Zones by the transitions its own geometry expects: that geometry must
/// be the engine's, or the benchmark would report missing and extra events that are its own mistakes.</summary>
public sealed class BenchWalkTests
{
    [Fact]
    public void The_benchmark_walk_expects_exactly_the_transitions_the_engine_makes()
    {
        Zone[] zones = [Circle(0, 0, 200), Circle(1_000, 0, 200), Circle(-700, 800, 200), Circle(0, -2_500, 200)];
        var engine = Engine(zones);
        var presence = new UserPresence();
        var walker = new Walker(zones.Select(z => new BenchZone(z.Id, z.Definition.Latitude, z.Definition.Longitude, z.Definition.Radius)).ToList(),
            OriginLat, OriginLon);
        walker.Reset(1_000_000);
        engine.Evaluate(User, presence, [ToPing(walker.Here())]);

        var expected = new List<Bench.Transition>();
        var made = new List<Bench.Transition>();
        const int pings = 800;
        for (var i = 0; i < pings; i++)
        {
            var ping = walker.Next(expected);
            foreach (var e in engine.Evaluate(User, presence, [ToPing(ping)]).Events())
            {
                made.Add(new Bench.Transition(Array.FindIndex(zones, z => z.Id == e.ZoneId), e.Type == ActivityTypes.Enter, e.Timestamp));
            }
        }

        Assert.Equal(expected, made);
        Assert.Equal(0, walker.Ambiguous);
        // Two crossings per 39-step leg: about 1 ping in 20, like the wrk script this replaces.
        Assert.InRange(made.Count, pings / 20 - 2, pings / 20 + 2);
        Assert.All(made, t => Assert.Equal(0, t.Zone));
    }

    static Ping ToPing(WirePing p) => new(p.Latitude, p.Longitude, p.Accuracy, p.Timestamp);
}
