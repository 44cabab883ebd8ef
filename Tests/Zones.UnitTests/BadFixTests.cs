using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Zones.Geofencing;
using static Zones.UnitTests.TestZones;

namespace Zones.UnitTests;

/// <summary>A wrong anchor costs a few pings, a lone glitch costs nothing: the speed check with confirmation
/// (GeofencingOptions.ConfirmFixes, default 3) on the traces that used to go wrong.</summary>
public sealed class BadFixTests
{
    const long T0 = 1_700_000_000_000;
    const int Confirm = 3;

    static Ping Noisy(Random random, double north, double east, long timestamp) =>
        PingAt(north + PropertyTests.Gaussian(random) * 4, east + PropertyTests.Gaussian(random) * 4, timestamp, 8);

    /// <summary>Sends the pings one by one, or all in one batch: the rule must not depend on the split.</summary>
    static List<ZoneEvent> Send(GeofenceEngine engine, UserPresence presence, List<Ping> pings, bool oneBatch)
    {
        if (oneBatch)
        {
            return [.. engine.Evaluate(User, presence, pings).Events()];
        }

        var events = new List<ZoneEvent>();
        foreach (var ping in pings)
        {
            events.AddRange(engine.Evaluate(User, presence, [ping]).Events());
        }

        return events;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_stale_first_fix_19_km_away_is_replaced_by_the_third_honest_fix(bool oneBatch)
    {
        var home = Circle(0, 0, 200, title: "Home");
        var engine = Engine(home);
        var presence = new UserPresence();
        var random = new Random(3);
        // The phone's first fix is its cached position from the morning, 19 km north, stamped now.
        var pings = new List<Ping> { PingAt(19_000, 0, T0, 8) };
        for (var i = 1; i <= 30; i++)
        {
            pings.Add(Noisy(random, 0, 0, T0 + i * 10_000L)); // then the honest fixes at home, every 10 s
        }

        var events = Send(engine, presence, pings, oneBatch);

        // Before, the 19 km stayed "impossible" until 19 km / 300 km/h = 228 s had passed: 23 honest fixes.
        var enter = Assert.Single(events);
        Assert.Equal((ActivityTypes.Enter, home.Id), (enter.Type, enter.ZoneId));
        Assert.Equal(T0 + Confirm * 10_000L, enter.Timestamp);
        Assert.Equal(T0 + 300_000, presence.LastFix!.Timestamp);
        Assert.Null(presence.Candidate);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void After_a_90_minute_flight_exit_and_enter_come_with_the_third_fix_after_landing(bool oneBatch)
    {
        // Berlin to about Rome: 1,000 km in 1 h 30 min, 667 km/h on average, over the 300 km/h limit.
        var departure = Circle(0, 0, 2_000, title: "Departure airport");
        var arrival = Circle(-1_000_000, 0, 2_000, title: "Arrival airport");
        var engine = Engine(departure, arrival);
        var presence = new UserPresence();
        var random = new Random(5);
        var pings = new List<Ping>();
        var t = T0;
        for (var i = 0; i < 30; i++, t += 10_000)
        {
            pings.Add(Noisy(random, 0, i * 10, t)); // at the gate, then taxiing; then airplane mode
        }

        var landing = t + 90 * 60_000L;
        for (var i = 0; i < 30; i++)
        {
            pings.Add(Noisy(random, -1_000_000, i * 10, landing + i * 10_000L));
        }

        var events = Send(engine, presence, pings, oneBatch);

        Assert.Equal("enter dep, exit dep, enter arr", events.Kinds((departure, "dep"), (arrival, "arr")));
        var landed = landing + (Confirm - 1) * 10_000L;
        Assert.Equal([T0, landed, landed], events.Select(e => e.Timestamp));
        Assert.Equal([arrival.Id], presence.Zones.Where(z => z.Value.Inside).Select(z => z.Key));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_single_5_km_glitch_in_a_steady_1_hz_walk_is_ignored(bool oneBatch)
    {
        var park = Circle(0, 0, 500, title: "Park");
        var shop = Circle(5_000, 0, 300, title: "Shop"); // where the glitch lands
        var engine = Engine(park, shop);
        var presence = new UserPresence();
        var random = new Random(9);
        var pings = new List<Ping>();
        for (var i = 0; i < 600; i++)
        {
            // Ten minutes across the park at 0.7 m/s, one fix a second; at 5 minutes one fix is 5 km off.
            pings.Add(i == 300 ? PingAt(5_000, 0, T0 + i * 1_000L, 8) : Noisy(random, 0, -200 + i * 0.7, T0 + i * 1_000L));
        }

        var events = Send(engine, presence, pings, oneBatch);

        Assert.Equal("enter park", events.Kinds((park, "park"), (shop, "shop")));
        Assert.Equal(T0 + 599_000, presence.LastFix!.Timestamp);
        Assert.Null(presence.Candidate);
        Assert.Equal(0, presence.CandidateCount);
    }

    [Fact]
    public void Glitches_that_do_not_agree_with_each_other_never_confirm_a_position()
    {
        var park = Circle(0, 0, 500, title: "Park");
        var engine = Engine(park);
        var presence = new UserPresence();
        var pings = new List<Ping> { PingAt(0, 0, T0) };
        for (var i = 1; i <= 10; i++)
        {
            // Wild fixes, each kilometres from the one before within a second: no track forms.
            pings.Add(PingAt(3_000 * (i % 2 == 0 ? 1 : -1), 2_000 * i, T0 + i * 1_000L));
        }

        var events = engine.Evaluate(User, presence, pings).Events();

        Assert.Equal("enter park", events.Kinds((park, "park")));
        Assert.Equal(T0, presence.LastFix!.Timestamp);
        Assert.Equal(1, presence.CandidateCount);
    }

    [Fact]
    public void Two_glitches_at_the_same_wrong_place_are_ignored_by_default()
    {
        var park = Circle(0, 0, 500, title: "Park");
        var engine = Engine(park);
        var presence = new UserPresence();
        var pings = new List<Ping> { PingAt(0, 0, T0), PingAt(5_000, 0, T0 + 1_000), PingAt(5_001, 0, T0 + 2_000), PingAt(1, 0, T0 + 3_000) };

        var events = engine.Evaluate(User, presence, pings).Events();

        Assert.Equal("enter park", events.Kinds((park, "park")));
        Assert.Equal(T0 + 3_000, presence.LastFix!.Timestamp);
    }

    [Fact]
    public void ConfirmFixes_sets_how_many_fixes_replace_the_anchor()
    {
        var home = Circle(0, 0, 200, title: "Home");
        var engine = new GeofenceEngine(new GeofencingOptions { ConfirmFixes = 5 });
        engine.Load([home]);
        var presence = new UserPresence();
        var pings = new List<Ping> { PingAt(19_000, 0, T0) };
        for (var i = 1; i <= 10; i++)
        {
            pings.Add(PingAt(0, 0, T0 + i * 10_000L));
        }

        var enter = Assert.Single(engine.Evaluate(User, presence, pings).Events());

        Assert.Equal(T0 + 50_000, enter.Timestamp);
    }

    [Fact]
    public void An_inaccurate_fix_neither_extends_nor_ends_the_candidate_track()
    {
        var home = Circle(0, 0, 200, title: "Home");
        var engine = Engine(home);
        var presence = new UserPresence();
        var pings = new List<Ping>
        {
            PingAt(19_000, 0, T0), PingAt(0, 0, T0 + 10_000), PingAt(0, 0, T0 + 20_000, accuracy: 900),
            PingAt(0, 0, T0 + 30_000), PingAt(0, 0, T0 + 40_000),
        };

        var enter = Assert.Single(engine.Evaluate(User, presence, pings).Events());

        Assert.Equal(T0 + 40_000, enter.Timestamp);
    }

    [Fact]
    public void The_candidate_track_survives_a_reload_of_presence_mid_confirmation()
    {
        // The grain may be deactivated between two pings of the confirmation: presence (JSON in grain storage)
        // carries the track, so the enter comes with the same ping as without the reload.
        var home = Circle(0, 0, 200, title: "Home");
        var presence = new UserPresence();
        Engine(home).Evaluate(User, presence, [PingAt(19_000, 0, T0), PingAt(0, 0, T0 + 10_000), PingAt(0, 0, T0 + 20_000)]);
        Assert.Equal(2, presence.CandidateCount);

        var reloaded = JsonSerializer.Deserialize<UserPresence>(JsonSerializer.Serialize(presence))!;
        var enter = Assert.Single(Engine(home).Evaluate(User, reloaded, [PingAt(0, 0, T0 + 30_000)]).Events());

        Assert.Equal((ActivityTypes.Enter, T0 + 30_000), (enter.Type, enter.Timestamp));
        Assert.Equal(0, reloaded.CandidateCount);
    }

    [Fact]
    public void The_candidate_track_crosses_the_orleans_wire_intact()
    {
        var presence = new UserPresence { LastFix = new Fix(52.5, 13.4, T0), Candidate = new Fix(52.6, 13.5, T0 + 10_000), CandidateCount = 2 };
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var copy = serializer.Deserialize<UserPresence>(serializer.SerializeToArray(presence))!;

        Assert.Equal((presence.LastFix, presence.Candidate, 2), (copy.LastFix, copy.Candidate, copy.CandidateCount));
    }
}
