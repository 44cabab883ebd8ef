using Zones.Geofencing;
using static Zones.UnitTests.TestZones;

namespace Zones.UnitTests;

/// <summary>A phone that was offline uploads its pings late, in one batch, maybe shuffled, maybe twice: the
/// activities must be exactly those of the pings sent live, one by one.</summary>
public sealed class ReplayTests
{
    static readonly Zone Home = Circle(0, 0, 150, dwellSeconds: 120, title: "Home");
    static readonly Zone Office = Polygon(Square(0, 600, 200));
    static readonly Zone Cafe = Circle(0, 800, 80, dwellSeconds: 0, title: "Cafe"); // overlaps the office edge

    /// <summary>500 pings, 5 s apart: home, office, cafe and back, twice, pausing at each.</summary>
    internal static List<Ping> Day()
    {
        var stops = new (double East, int Pings)[] { (0, 40), (600, 40), (800, 20), (0, 30), (600, 30), (800, 15), (0, 30) };
        var random = new Random(11);
        var pings = new List<Ping>();
        var east = -300.0;
        var t = 1_700_000_000_000L;
        var stop = 0;
        var paused = 0;
        while (pings.Count < 500)
        {
            var (target, pause) = stops[stop % stops.Length];
            if (Math.Abs(target - east) > 10)
            {
                east += Math.Sign(target - east) * Math.Min(Math.Abs(target - east), 10); // 2 m/s
            }
            else if (++paused >= pause)
            {
                stop++;
                paused = 0;
            }

            t += 5_000;
            pings.Add(PingAt(PropertyTests.Gaussian(random) * 3, east + PropertyTests.Gaussian(random) * 3, t, 5));
        }

        return pings;
    }

    internal static GeofenceEngine NewEngine() => Engine(Home, Office, Cafe);

    static List<ZoneEvent> OneBatch(List<Ping> pings, UserPresence? presence = null)
    {
        var evaluation = NewEngine().Evaluate(User, presence ?? new UserPresence(), pings);
        Assert.Equal(pings.Count, evaluation.Accepted);
        return [.. evaluation.Events()];
    }

    static List<ZoneEvent> OneByOne(List<Ping> pings)
    {
        var engine = NewEngine();
        var presence = new UserPresence();
        var events = new List<ZoneEvent>();
        foreach (var ping in pings)
        {
            events.AddRange(engine.Evaluate(User, presence, [ping]).Events());
        }

        return events;
    }

    [Fact]
    public void The_day_covers_several_visits_of_each_zone()
    {
        var events = OneByOne(Day());

        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        foreach (var zone in new[] { Home, Office, Cafe })
        {
            Assert.True(events.Count(e => e.ZoneId == zone.Id && e.Type == ActivityTypes.Enter) >= 2, zone.Definition.Title);
        }

        Assert.Contains(events, e => e.ZoneId == Home.Id && e.Type == ActivityTypes.Dwell);
    }

    [Fact]
    public void One_offline_batch_gives_the_same_activities_as_the_pings_sent_live()
    {
        var day = Day();

        Assert.Equal(OneByOne(day), OneBatch(day));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_shuffled_batch_gives_the_same_activities_in_the_same_order(int seed)
    {
        var day = Day();
        var shuffled = new List<Ping>(day);
        PropertyTests.Shuffle(new Random(seed), shuffled);

        Assert.Equal(OneByOne(day), OneBatch(shuffled));
    }

    [Fact]
    public void Batches_of_any_size_give_the_same_activities()
    {
        var day = Day();
        var engine = NewEngine();
        var presence = new UserPresence();
        var events = new List<ZoneEvent>();
        var random = new Random(5);
        for (var sent = 0; sent < day.Count;)
        {
            var size = Math.Min(random.Next(1, 80), day.Count - sent);
            events.AddRange(engine.Evaluate(User, presence, day.GetRange(sent, size)).Events());
            sent += size;
        }

        Assert.Equal(OneByOne(day), events);
    }

    [Fact]
    public void A_batch_sent_twice_is_ignored_the_second_time()
    {
        var day = Day();
        var engine = NewEngine();
        var presence = new UserPresence();

        var first = engine.Evaluate(User, presence, day);
        var second = engine.Evaluate(User, presence, day);

        Assert.Equal(OneByOne(day), first.Events());
        Assert.Equal(0, second.Accepted);
        Assert.Equal(day.Count, second.Ignored);
        Assert.Empty(second.Transitions);
    }

    [Fact]
    public void A_replay_on_stale_presence_repeats_the_same_ids()
    {
        // Presence older than the log (a grain reloading state saved before its latest batch, whatever the cause)
        // and a client that resends: the activity ids must repeat exactly, so the store's conflict check drops them.
        var day = Day();
        var engine = NewEngine();
        var presence = new UserPresence();
        engine.Evaluate(User, presence, day.GetRange(0, 200));
        var saved = Copy(presence);

        var original = engine.Evaluate(User, presence, day.GetRange(200, 300)).Events();
        var replayed = NewEngine().Evaluate(User, saved, day.GetRange(200, 300)).Events();

        Assert.NotEmpty(original);
        Assert.Equal(original, replayed);
    }

    static UserPresence Copy(UserPresence presence) => new()
    {
        HighWaterMark = presence.HighWaterMark,
        LastFix = presence.LastFix,
        Candidate = presence.Candidate,
        CandidateCount = presence.CandidateCount,
        Zones = presence.Zones.ToDictionary(z => z.Key, z => new ZoneVisitState
        {
            Visits = z.Value.Visits, Inside = z.Value.Inside, EnteredAt = z.Value.EnteredAt, DwellFired = z.Value.DwellFired,
        }),
    };
}
