using Zones.Geofencing;
using static Zones.UnitTests.TestZones;

namespace Zones.UnitTests;

public sealed class EngineTests
{
    readonly UserPresence _presence = new();

    IReadOnlyList<ZoneEvent> Send(GeofenceEngine engine, params Ping[] pings) =>
        engine.Evaluate(User, _presence, pings).Events();

    [Fact]
    public void Circle_is_entered_only_once_the_ping_is_inside_by_the_margin()
    {
        var zone = Circle(0, 0, 200); // margin max(5, 20, 20) = 20 m
        var engine = Engine(zone);

        Assert.Empty(Send(engine, PingAt(0, 400, 1_000)));
        Assert.Empty(Send(engine, PingAt(0, 190, 6_000))); // inside, but by 10 m only
        var entered = Send(engine, PingAt(0, 175, 11_000));

        var enter = Assert.Single(entered);
        Assert.Equal(ActivityTypes.Enter, enter.Type);
        Assert.Equal(zone.Id, enter.ZoneId);
        Assert.Equal(11_000, enter.Timestamp);
        Assert.Equal(At(0, 175).Lat, enter.Latitude);
        Assert.Equal(At(0, 175).Lon, enter.Longitude);
        Assert.Equal("Circle", enter.ZoneName);
        Assert.Equal("pin", enter.Icon);
        Assert.Equal("You have entered Circle", enter.NotificationText);
        Assert.True(_presence.Zones[zone.Id].Inside);
    }

    [Fact]
    public void Circle_is_left_only_once_the_ping_is_outside_by_the_margin()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);
        Send(engine, PingAt(0, 0, 1_000));

        Assert.Empty(Send(engine, PingAt(0, 210, 6_000))); // outside by 10 m: still inside
        var exit = Assert.Single(Send(engine, PingAt(0, 230, 11_000)));

        Assert.Equal(ActivityTypes.Exit, exit.Type);
        Assert.Equal(11_000, exit.Timestamp);
        Assert.False(_presence.Zones[zone.Id].Inside);
        Assert.Equal(1, _presence.Zones[zone.Id].Visits);
    }

    [Fact]
    public void The_margin_grows_with_the_reported_accuracy()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);

        Assert.Empty(Send(engine, PingAt(0, 150, 1_000, accuracy: 30))); // inside by 50, margin 2 x 30
        Assert.Single(Send(engine, PingAt(0, 150, 6_000, accuracy: 20))); // margin 2 x 20
        Assert.Empty(Send(engine, PingAt(0, 250, 11_000, accuracy: 30))); // outside by 50, margin 60
        Assert.Single(Send(engine, PingAt(0, 250, 16_000, accuracy: 20)));
    }

    [Fact]
    public void A_small_circle_can_be_entered_at_its_centre_even_with_a_poor_fix()
    {
        var zone = Circle(0, 0, 15); // margin 2 x 80 would exceed the radius; the inward margin is capped at 7.5 m
        var engine = Engine(zone);

        Assert.Empty(Send(engine, PingAt(0, 10, 1_000, accuracy: 80)));
        Assert.Single(Send(engine, PingAt(0, 3, 6_000, accuracy: 80)));
        Assert.Empty(Send(engine, PingAt(0, 100, 11_000, accuracy: 80))); // leaving still needs 160 m outside
        Assert.Single(Send(engine, PingAt(0, 200, 16_000, accuracy: 80)));
    }

    [Fact]
    public void Polygon_is_entered_and_left_with_the_margin_measured_from_its_edge()
    {
        var zone = Polygon(Square(0, 0, 300)); // 600 m square: equivalent radius 338 m, margin 33.9 m
        var engine = Engine(zone);

        Assert.Empty(Send(engine, PingAt(0, 280, 1_000))); // 20 m inside
        Assert.Equal(ActivityTypes.Enter, Assert.Single(Send(engine, PingAt(0, 260, 6_000))).Type);
        Assert.Empty(Send(engine, PingAt(0, 320, 11_000))); // 20 m outside
        Assert.Equal(ActivityTypes.Exit, Assert.Single(Send(engine, PingAt(0, 340, 16_000))).Type);
    }

    [Fact]
    public void A_polygon_hole_is_outside_the_zone()
    {
        var zone = Polygon(Square(0, 0, 500), Square(0, 0, 200));
        var engine = Engine(zone);

        Assert.Empty(Send(engine, PingAt(0, 0, 1_000))); // in the hole, far from its edge
        Assert.Single(Send(engine, PingAt(0, 350, 6_000))); // in the ring, 150 m from both edges
        Assert.Empty(Send(engine, PingAt(0, 190, 11_000))); // 10 m into the hole: within the margin
        var exit = Assert.Single(Send(engine, PingAt(0, 100, 16_000)));
        Assert.Equal(ActivityTypes.Exit, exit.Type);
    }

    [Fact]
    public void A_small_polygon_can_be_entered_at_its_centre_even_with_a_poor_fix()
    {
        var zone = Polygon(Square(0, 0, 10)); // 20 m square: inscribed circle 10 m, inward margin capped at 5 m
        var engine = Engine(zone);

        Assert.Empty(Send(engine, PingAt(0, 8, 1_000, accuracy: 100)));
        Assert.Single(Send(engine, PingAt(0, 1, 6_000, accuracy: 100)));
    }

    [Fact]
    public void Pings_not_newer_than_the_high_water_mark_are_counted_as_ignored_and_change_nothing()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);
        engine.Evaluate(User, _presence, [PingAt(0, 1_000, 10_000)]);

        var late = engine.Evaluate(User, _presence, [PingAt(0, 0, 9_000), PingAt(0, 0, 10_000)]);

        Assert.Equal(0, late.Accepted);
        Assert.Equal(2, late.Ignored);
        Assert.Empty(late.Transitions);
        Assert.Equal(10_000, _presence.HighWaterMark);
        Assert.Empty(_presence.Zones);
    }

    [Fact]
    public void A_duplicate_timestamp_in_one_batch_is_evaluated_once_the_first_as_sent()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);

        var result = engine.Evaluate(User, _presence, [PingAt(0, 1_000, 5_000), PingAt(0, 0, 5_000)]);

        Assert.Equal(1, result.Accepted);
        Assert.Equal(1, result.Ignored);
        Assert.Empty(result.Transitions);
    }

    [Fact]
    public void An_out_of_order_batch_is_evaluated_in_timestamp_order()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);

        // Sent newest first: in time order the user walks in, then out again.
        var result = engine.Evaluate(User, _presence, [PingAt(0, 400, 30_000), PingAt(0, 0, 20_000), PingAt(0, 400, 10_000)]);

        Assert.Equal(3, result.Accepted);
        Assert.Equal("enter z, exit z", result.Events().Kinds((zone, "z")));
        Assert.Equal([20_000L, 30_000L], result.Events().Select(e => e.Timestamp));
        Assert.Equal(30_000, _presence.HighWaterMark);
    }

    [Fact]
    public void One_ping_that_leaves_one_zone_and_enters_another_reports_the_exit_first()
    {
        // Ids chosen so that sorting all events of the ping by zone id would put the enter first.
        var a = Circle(0, 0, 100, id: new Guid("ffffffff-0000-0000-0000-000000000000"));
        var b = Circle(0, 300, 100, id: new Guid("00000000-0000-0000-0000-000000000001"));
        var engine = Engine(a, b);
        Send(engine, PingAt(0, 0, 1_000));

        var events = Send(engine, PingAt(0, 300, 6_000));

        Assert.Equal("exit a, enter b", events.Kinds((a, "a"), (b, "b")));
    }

    [Fact]
    public void Dwell_fires_once_per_visit_on_a_later_ping_at_the_time_it_fell_due()
    {
        var zone = Circle(0, 0, 200, dwellSeconds: 60);
        var engine = Engine(zone);
        Send(engine, PingAt(0, 0, 100_000));
        Assert.Empty(Send(engine, PingAt(0, 5, 150_000)));

        var dwell = Assert.Single(Send(engine, PingAt(0, 10, 170_000)));
        Assert.Empty(Send(engine, PingAt(0, 10, 230_000)));

        Assert.Equal(ActivityTypes.Dwell, dwell.Type);
        Assert.Equal(160_000, dwell.Timestamp);
        Assert.Equal(At(0, 5).Lat, dwell.Latitude); // the last fix before it fell due
    }

    [Fact]
    public void Dwell_fires_from_the_timer_when_no_ping_comes_and_not_again_on_the_next_ping()
    {
        var zone = Circle(0, 0, 200, dwellSeconds: 60);
        var engine = Engine(zone);
        Send(engine, PingAt(0, 0, 100_000));

        Assert.Equal(160_000, engine.NextDwellDueAt(_presence));
        Assert.Empty(engine.CollectDueDwells(User, _presence, 159_999));
        var dwell = Assert.Single(engine.CollectDueDwells(User, _presence, 200_000)).Event;

        Assert.Equal(ActivityTypes.Dwell, dwell.Type);
        Assert.Equal(160_000, dwell.Timestamp);
        Assert.Equal(At(0, 0).Lat, dwell.Latitude);
        Assert.Null(engine.NextDwellDueAt(_presence));
        Assert.Empty(engine.CollectDueDwells(User, _presence, 300_000));
        Assert.Empty(Send(engine, PingAt(0, 0, 300_000)));
    }

    [Fact]
    public void Timer_and_ping_produce_the_same_dwell()
    {
        var zone = Circle(0, 0, 200, dwellSeconds: 60);
        var byTimer = Engine(zone);
        var byPing = Engine(zone);
        var timerPresence = new UserPresence();
        var pingPresence = new UserPresence();
        byTimer.Evaluate(User, timerPresence, [PingAt(0, 0, 100_000)]);
        byPing.Evaluate(User, pingPresence, [PingAt(0, 0, 100_000)]);

        var fromTimer = Assert.Single(byTimer.CollectDueDwells(User, timerPresence, 161_000)).Event;
        var fromPing = Assert.Single(byPing.Evaluate(User, pingPresence, [PingAt(0, 0, 400_000)]).Transitions).Event;

        Assert.Equal(fromPing, fromTimer);
    }

    [Fact]
    public void A_dwell_that_fell_due_before_the_exit_ping_comes_before_the_exit()
    {
        var zone = Circle(0, 0, 200, dwellSeconds: 60);
        var engine = Engine(zone);
        Send(engine, PingAt(0, 0, 100_000));

        var events = Send(engine, PingAt(0, 5_000, 200_000));

        Assert.Equal("dwell z, exit z", events.Kinds((zone, "z")));
        Assert.Equal([160_000L, 200_000L], events.Select(e => e.Timestamp));
    }

    [Fact]
    public void A_visit_that_ends_before_its_dwell_is_due_gets_no_dwell_and_the_next_visit_gets_its_own()
    {
        var zone = Circle(0, 0, 200, dwellSeconds: 60);
        var engine = Engine(zone);

        Send(engine, PingAt(0, 0, 100_000));
        Assert.Equal("exit z", Send(engine, PingAt(0, 1_000, 130_000)).Kinds((zone, "z")));
        Assert.Null(engine.NextDwellDueAt(_presence));
        Assert.Empty(engine.CollectDueDwells(User, _presence, 500_000));

        Send(engine, PingAt(0, 0, 200_000));
        var dwell = Assert.Single(engine.CollectDueDwells(User, _presence, 500_000)).Event;
        Assert.Equal(260_000, dwell.Timestamp);
        Assert.Equal(ActivityIds.For(User, zone.Id, 2, ActivityTypes.Dwell), dwell.Id);
    }

    [Fact]
    public void A_zero_second_dwell_fires_right_after_the_enter()
    {
        var zone = Circle(0, 0, 200, dwellSeconds: 0);
        var engine = Engine(zone);

        var events = Send(engine, PingAt(0, 0, 100_000));

        Assert.Equal("enter z, dwell z", events.Kinds((zone, "z")));
        Assert.All(events, e => Assert.Equal(100_000, e.Timestamp));
    }

    [Fact]
    public void A_deleted_zone_leaves_presence_without_an_exit()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);
        Send(engine, PingAt(0, 0, 1_000));

        engine.Remove(zone.Id, _presence);

        Assert.Empty(_presence.Zones);
        Assert.Equal(0, engine.ZoneCount);
        Assert.Empty(Send(engine, PingAt(0, 5_000, 60_000)));
    }

    [Fact]
    public void A_zone_created_around_the_user_is_entered_by_the_next_ping()
    {
        var engine = Engine();
        Send(engine, PingAt(0, 0, 1_000));

        var zone = Circle(0, 0, 200);
        engine.Upsert(zone);

        Assert.Equal("enter z", Send(engine, PingAt(0, 1, 6_000)).Kinds((zone, "z")));
        Assert.Empty(Send(engine, PingAt(0, 2, 11_000)));
    }

    [Fact]
    public void A_zone_moved_away_from_the_user_inside_it_is_left_by_the_next_ping()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);
        Send(engine, PingAt(0, 0, 1_000));

        engine.Upsert(zone with { Definition = CircleDefinition(0, 2_000, 200) });

        Assert.Equal("exit z", Send(engine, PingAt(0, 0, 6_000)).Kinds((zone, "z")));
    }

    [Fact]
    public void An_inaccurate_ping_raises_the_high_water_mark_but_moves_no_presence()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);
        Send(engine, PingAt(0, 1_000, 1_000));

        var result = engine.Evaluate(User, _presence, [PingAt(0, 0, 6_000, accuracy: 800)]);

        Assert.Equal(1, result.Accepted);
        Assert.Empty(result.Transitions);
        Assert.Equal(6_000, _presence.HighWaterMark);
        Assert.Equal(1_000, _presence.LastFix!.Timestamp);
    }

    [Fact]
    public void A_ping_implying_an_impossible_speed_moves_no_presence()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);
        Send(engine, PingAt(0, 10_000, 1_000));

        // 10 km in 10 s is 3,600 km/h.
        Assert.Empty(Send(engine, PingAt(0, 0, 11_000)));
        Assert.Equal(1_000, _presence.LastFix!.Timestamp);
        // Half an hour later the same 10 km is 20 km/h: believable.
        Assert.Single(Send(engine, PingAt(0, 0, 1_801_000)));
        Assert.Equal(1_801_000, _presence.LastFix!.Timestamp);
    }

    [Fact]
    public void Notification_option_selects_what_is_pushed_but_every_transition_is_reported()
    {
        var zone = Circle(0, 0, 200, option: NotificationOptions.Exit);
        var engine = Engine(zone);

        var enter = Assert.Single(engine.Evaluate(User, _presence, [PingAt(0, 0, 1_000)]).Transitions);
        var exit = Assert.Single(engine.Evaluate(User, _presence, [PingAt(0, 1_000, 20_000)]).Transitions);

        Assert.False(enter.Push);
        Assert.True(exit.Push);
    }

    [Fact]
    public void Event_ids_follow_user_zone_visit_and_type()
    {
        var zone = Circle(0, 0, 200);
        var engine = Engine(zone);

        var firstEnter = Send(engine, PingAt(0, 0, 1_000)).Single();
        var firstExit = Send(engine, PingAt(0, 1_000, 20_000)).Single();
        var secondEnter = Send(engine, PingAt(0, 0, 40_000)).Single();

        Assert.Equal(ActivityIds.For(User, zone.Id, 1, ActivityTypes.Enter), firstEnter.Id);
        Assert.Equal(ActivityIds.For(User, zone.Id, 1, ActivityTypes.Exit), firstExit.Id);
        Assert.Equal(ActivityIds.For(User, zone.Id, 2, ActivityTypes.Enter), secondEnter.Id);
        Assert.Equal(3, new HashSet<Guid> { firstEnter.Id, firstExit.Id, secondEnter.Id }.Count);
    }

    [Fact]
    public void Activity_ids_are_stable_version_5_uuids()
    {
        var zone = new Guid("5d9a3c2e-1b4f-4e8a-9c7d-2f6b8e0a1c3d");
        var id = ActivityIds.For(User, zone, 1, ActivityTypes.Enter);

        Assert.Equal(id, ActivityIds.For(User, zone, 1, ActivityTypes.Enter));
        Assert.NotEqual(id, ActivityIds.For(User, zone, 2, ActivityTypes.Enter));
        Assert.NotEqual(id, ActivityIds.For(User, zone, 1, ActivityTypes.Exit));
        Assert.NotEqual(id, ActivityIds.For(zone, User, 1, ActivityTypes.Enter));
        Assert.Equal(5, id.Version);
        Assert.Contains(id.ToString()[19], "89ab"); // RFC variant
        // Pinned: a change of this value would give every stored activity a second id on replay.
        Assert.Equal(ExpectedPinnedId, id.ToString());
    }

    // Cross-checked with Python: uuid.UUID(bytes=sha1(ns + user + zone + be32(1) + b"enter")[:16], version=5).
    const string ExpectedPinnedId = "6127d55f-66ab-5242-8133-9cac6b16c6e1";

    [Fact]
    public void Many_zones_use_the_index_and_find_the_same_zone()
    {
        var zones = new List<Zone>();
        for (var i = 0; i < 200; i++)
        {
            zones.Add(Circle(i / 20 * 1_000, i % 20 * 1_000, 200));
        }

        var engine = Engine([.. zones]);

        var events = Send(engine, PingAt(3_000, 7_000, 1_000));

        Assert.Equal(zones[67].Id, Assert.Single(events).ZoneId);
    }
    [Fact]
    public void A_large_polygon_with_a_hole_is_contained_exactly_like_a_small_one()
    {
        // Above 256 positions containment goes through NTS' indexed locator instead of the plain crossing count.
        var random = new Random(3);
        var shell = new List<(double, double)>();
        for (var i = 0; i < 400; i++)
        {
            var angle = 2 * Math.PI * i / 400;
            var r = 800 + random.NextDouble() * 200;
            shell.Add((r * Math.Sin(angle), r * Math.Cos(angle)));
        }

        var large = (PolygonZone)PolygonZone.Compile(Polygon(Ring([.. shell]), Square(0, 0, 200)), new GeofencingOptions());
        var few = new List<(double, double)>();
        for (var i = 0; i < 400; i += 40)
        {
            few.Add(shell[i]);
        }

        var small = (PolygonZone)PolygonZone.Compile(Polygon(Ring([.. few]), Square(0, 0, 200)), new GeofencingOptions());
        var agreeing = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var (lat, lon) = At(random.NextDouble() * 2_400 - 1_200, random.NextDouble() * 2_400 - 1_200);
            var inHole = Math.Abs(lat - OriginLat) < At(200, 0).Lat - OriginLat && Math.Abs(lon - OriginLon) < At(0, 200).Lon - OriginLon;
            // Where the two shells differ the answers may differ; the hole and the far outside must agree.
            if (inHole || Math.Abs(lat - OriginLat) > At(1_050, 0).Lat - OriginLat)
            {
                Assert.False(large.IsInterior(lat, lon));
                Assert.False(small.IsInterior(lat, lon));
                agreeing++;
            }
            else if (Math.Sqrt(Math.Pow((lat - OriginLat) * 111_195, 2) + Math.Pow((lon - OriginLon) * 67_700, 2)) is > 300 and < 600)
            {
                Assert.True(large.IsInterior(lat, lon));
                Assert.True(small.IsInterior(lat, lon));
                agreeing++;
            }
        }

        Assert.True(agreeing > 500);
    }
}
