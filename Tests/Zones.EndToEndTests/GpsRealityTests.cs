using System.Net;
using System.Text.Json.Nodes;
using static Zones.EndToEndTests.Walk;

namespace Zones.EndToEndTests;

/// <summary>Issue 3's "done when", through the public API on real processes: what real phones send (noise at an
/// edge, shuffled, duplicated and resent batches, a phone that sits still, a jump across two zones) gives the
/// events a user expects, no more and no fewer.</summary>
public sealed class GpsRealityTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    const double EarthRadiusMeters = 6_371_008.8;
    const double MetersPerDegreeLatitude = Math.PI * EarthRadiusMeters / 180;

    // A 100 m circle and a phone reporting 15 m accuracy, one ping every 5 s for an hour, sent 100 per request.
    const double EdgeLat = 48.8566, EdgeLon = 2.3522, EdgeRadius = 100, EdgeAccuracy = 15;
    const int PingsPerHour = 720;

    [Fact]
    public async Task Gps_noise_10_m_outside_a_zone_edge_for_an_hour_enters_nothing()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(new { title = "Bakery", latitude = EdgeLat, longitude = EdgeLon, radius = EdgeRadius });
        var start = DateTimeOffset.UtcNow.AddMinutes(-65).ToUnixTimeMilliseconds();
        var noise = new GpsNoise(seed: 3001, EdgeAccuracy);
        var pings = Enumerable.Range(0, PingsPerHour)
            .Select(i => noise.Around(EdgeLat, EdgeLon, eastMeters: EdgeRadius + 10, start + i * 5_000L))
            .ToList();

        var answered = await PostInBatchesAsync(client, pings, 100);

        var trace = TraceOf(pings, EdgeLat, EdgeLon, EdgeRadius);
        Assert.True(trace.EdgeCrossings >= 50,
            $"the noise should carry the raw fixes across the edge many times, or the test proves nothing: {trace}");
        Assert.True(answered.Count == 0,
            $"a user standing 10 m outside with {EdgeAccuracy} m noise got events {Explain(answered, pings)}; {trace}");
        Assert.Empty(await client.GetActivitiesAsync());
    }

    [Fact]
    public async Task Gps_noise_10_m_inside_a_zone_edge_for_an_hour_never_leaves()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(new { title = "Bakery", latitude = EdgeLat, longitude = EdgeLon, radius = EdgeRadius });
        var start = DateTimeOffset.UtcNow.AddMinutes(-65).ToUnixTimeMilliseconds();
        var noise = new GpsNoise(seed: 3002, EdgeAccuracy);
        // Walks in to the centre first (the one enter), then stands 10 m inside the edge.
        var pings = new List<GpsPing> { new(EdgeLat, EdgeLon, EdgeAccuracy, start - 5_000) };
        pings.AddRange(Enumerable.Range(0, PingsPerHour)
            .Select(i => noise.Around(EdgeLat, EdgeLon, eastMeters: EdgeRadius - 10, start + i * 5_000L)));

        var answered = await PostInBatchesAsync(client, pings, 100);

        var trace = TraceOf(pings.Skip(1).ToList(), EdgeLat, EdgeLon, EdgeRadius);
        Assert.True(trace.EdgeCrossings >= 50,
            $"the noise should carry the raw fixes across the edge many times, or the test proves nothing: {trace}");
        Assert.True(Names(answered) == "enter:Bakery",
            $"a user standing 10 m inside with {EdgeAccuracy} m noise got events {Explain(answered, pings)} (expected only the first enter); {trace}");
        Assert.Equal(["enter:Bakery"], (await client.GetActivitiesAsync()).Select(e => Walk.Describe(e!)));
    }

    [Fact]
    public async Task Shuffled_duplicated_and_resent_batches_produce_exactly_the_events_of_the_clean_sequence()
    {
        var walk = VisitingWalk();
        Assert.InRange(walk.Count, 180, 220);

        // A: the clean sequence, in order, 20 pings per request.
        using var a = new ZonesClient(cluster.ApiUrl);
        await a.RegisterAsync();
        await CreateOfficeAndParkAsync(a);
        var cleanAnswers = new List<JsonNode>();
        foreach (var batch in walk.Chunk(20))
        {
            var report = await a.PostPingListAsync(batch);
            Assert.Equal((batch.Length, 0), Counts(report));
            cleanAnswers.AddRange(Events(report));
        }

        var loop = new[] { "enter:Office", "exit:Office", "enter:Park", "exit:Park" };
        Assert.Equal(Enumerable.Repeat(loop, 4).SelectMany(l => l), cleanAnswers.Select(Walk.Describe));

        // B: the same pings in one request, shuffled, with 30 of them sent twice.
        using var b = new ZonesClient(cluster.ApiUrl);
        await b.RegisterAsync();
        await CreateOfficeAndParkAsync(b);
        var random = new Random(3003);
        var messy = walk.Concat(Enumerable.Range(0, 30).Select(_ => walk[random.Next(walk.Count)])).ToArray();
        random.Shuffle(messy);
        var messyReport = await b.PostPingListAsync(messy);
        Assert.Equal((walk.Count, 30), Counts(messyReport));
        Assert.Equal(Signature(cleanAnswers), Signature(Events(messyReport)));

        // C: 20 pings per request, each request sent twice (a retry after a lost answer), then an overlapping
        // stretch of the walk sent once more at the end (a phone re-uploading its buffer).
        using var c = new ZonesClient(cluster.ApiUrl);
        await c.RegisterAsync();
        await CreateOfficeAndParkAsync(c);
        foreach (var batch in walk.Chunk(20))
        {
            var first = await c.PostPingListAsync(batch);
            Assert.Equal((batch.Length, 0), Counts(first));
            var again = await c.PostPingListAsync(batch);
            Assert.Equal((0, batch.Length), Counts(again));
            Assert.Empty(Events(again));
        }

        var overlap = walk.Skip(90).Take(45).ToList();
        var resent = await c.PostPingListAsync(overlap);
        Assert.Equal((0, overlap.Count), Counts(resent));
        Assert.Empty(Events(resent));

        var clean = Signature(await ListedOldestFirstAsync(a));
        Assert.Equal(Signature(cleanAnswers), clean);
        Assert.Equal(clean, Signature(await ListedOldestFirstAsync(b)));
        Assert.Equal(clean, Signature(await ListedOldestFirstAsync(c)));
    }

    [Fact]
    public async Task A_dwell_fires_from_the_timer_when_no_further_ping_comes()
    {
        const double lat = 41.9028, lon = 12.4964;
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(new
        {
            title = "Cafe", latitude = lat, longitude = lon, radius = 150, dwellSeconds = 3, notificationOption = "both",
        });
        await using var hub = await HubListener.ConnectAsync(cluster.ApiUrl, client.AccessToken);

        // The device clock is this machine's clock, as the server's is: the last ping is "now".
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var report = await client.PostPingListAsync(
        [
            new GpsPing(lat + 600 / MetersPerDegreeLatitude, lon, 5, now - 60_000),
            new GpsPing(lat, lon, 5, now),
        ]);
        var enter = Assert.Single(Events(report));
        Assert.Equal("enter:Cafe", Walk.Describe(enter));
        Assert.Equal(now, enter["timestamp"]!.GetValue<long>());

        var pushed = await hub.TakeAsync(2, TimeSpan.FromSeconds(30), cluster,
            "the enter, then the dwell the server's timer fires 3 s after it with no further ping");
        Assert.Equal(["enter", "dwell"], pushed.Select(e => e.GetProperty("type").GetString()));
        var dwell = pushed[1];
        Assert.Equal(now + 3_000, dwell.GetProperty("timestamp").GetInt64());

        var listed = await client.GetActivitiesAsync();
        Assert.Equal(["dwell:Cafe", "enter:Cafe"], listed.Select(e => Walk.Describe(e!)));
        Assert.Equal(dwell.GetProperty("id").GetString(), listed[0]!["id"]!.GetValue<string>());
        Assert.Equal(listed[1]!["timestamp"]!.GetValue<long>() + 3_000, listed[0]!["timestamp"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_ping_that_jumps_from_one_zone_into_another_exits_before_it_enters()
    {
        const double lat = 40.4168, lon = -3.7038, radius = 200;
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        // B's centre is 800 m north of A's: the two edges are 400 m apart. Zone ids are random, so whichever sorts
        // first, the order must come from "exit before enter", not from the ids.
        await client.CreateZoneAsync(new { title = "Home", latitude = lat, longitude = lon, radius });
        var northLat = lat + 800 / MetersPerDegreeLatitude;
        await client.CreateZoneAsync(new { title = "School", latitude = northLat, longitude = lon, radius });
        await using var hub = await HubListener.ConnectAsync(cluster.ApiUrl, client.AccessToken);

        var home = await client.PostPingsAsync(Ping(0, lat, lon));
        Assert.Equal(["enter:Home"], Events(home).Select(Walk.Describe));
        // 800 m in 3 minutes: 16 km/h, a plausible move.
        var jump = await client.PostPingsAsync(Ping(3, northLat, lon));
        Assert.Equal(["exit:Home", "enter:School"], Events(jump).Select(Walk.Describe));

        var pushed = await hub.TakeAsync(3, TimeSpan.FromSeconds(15), cluster, "enter Home, then exit Home and enter School");
        Assert.Equal(["enter:Home", "exit:Home", "enter:School"],
            pushed.Select(e => $"{e.GetProperty("type").GetString()}:{e.GetProperty("zoneName").GetString()}"));
        Assert.Equal(Events(jump).Select(e => e["id"]!.GetValue<string>()), pushed.Skip(1).Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task A_zone_that_notifies_on_exit_only_pushes_the_exit_but_records_both()
    {
        const double lat = 59.3293, lon = 18.0686;
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(new { title = "Gym", latitude = lat, longitude = lon, radius = 150, notificationOption = "exit" });
        await using var hub = await HubListener.ConnectAsync(cluster.ApiUrl, client.AccessToken);
        var awayLat = lat + 1_000 / MetersPerDegreeLatitude;

        var entered = await client.PostPingsAsync(Ping(0, awayLat, lon), Ping(10, lat, lon));
        Assert.Equal(["enter:Gym"], Events(entered).Select(Walk.Describe));
        Assert.Equal(["enter:Gym"], (await client.GetActivitiesAsync()).Select(e => Walk.Describe(e!)));

        var left = await client.PostPingsAsync(Ping(20, awayLat, lon));
        var exit = Assert.Single(Events(left));
        Assert.Equal("exit:Gym", Walk.Describe(exit));

        // The enter happened first: had it been pushed, it would be the first message.
        var first = Assert.Single(await hub.TakeAsync(1, TimeSpan.FromSeconds(15), cluster, "the exit of an exit-only zone"));
        Assert.Equal("exit", first.GetProperty("type").GetString());
        Assert.Equal(exit["id"]!.GetValue<string>(), first.GetProperty("id").GetString());
        Assert.Equal(["exit:Gym", "enter:Gym"], (await client.GetActivitiesAsync()).Select(e => Walk.Describe(e!)));
    }

    [Fact]
    public async Task Invalid_pings_and_polygons_are_rejected_with_details_and_nothing_is_stored()
    {
        const double lat = 50.0755, lon = 14.4378;
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(new { title = "Castle", latitude = lat, longitude = lon, radius = 150 });

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var early = new GpsPing(lat + 0.01, lon, 5, now - 120_000);
        var late = new GpsPing(lat, lon, 5, now - 60_000);
        var (status, envelope) = await client.SendRawAsync(HttpMethod.Post, "/api/v1/locations", new
        {
            pings = new[] { early, new GpsPing(lat, lon, 5, now + 10 * 60_000), late },
        });
        var details = AssertValidationError(status, envelope);
        Assert.Equal(["pings[1].timestamp"], details.Select(d => d.Field));

        // The rejected request evaluated nothing: its valid pings are still new, and enter the zone.
        var report = await client.PostPingListAsync([early, late]);
        Assert.Equal((2, 0), Counts(report));
        Assert.Equal(["enter:Castle"], Events(report).Select(Walk.Describe));

        var zonesBefore = await client.CountZonesAsync();
        Assert.Equal(1, zonesBefore);

        // A bow-tie: the first and third edges cross (its signed area is not zero, so only topology can tell).
        (status, envelope) = await client.SendRawAsync(HttpMethod.Post, "/api/v1/zones", PolygonZone("Bow tie", lat, lon,
            [[0, 0], [1, 1], [1, 0], [0, 2], [0, 0]]));
        details = AssertValidationError(status, envelope);
        Assert.Contains(details, d => d.Field.StartsWith("polygon", StringComparison.Ordinal)
            && d.Reason.Contains("intersect", StringComparison.OrdinalIgnoreCase));

        (status, envelope) = await client.SendRawAsync(HttpMethod.Post, "/api/v1/zones", PolygonZone("Open ring", lat, lon,
            [[0, 0], [1, 0], [1, 1], [0, 1]]));
        details = AssertValidationError(status, envelope);
        Assert.Contains(details, d => d.Field.StartsWith("polygon", StringComparison.Ordinal)
            && d.Reason.Contains("closed", StringComparison.OrdinalIgnoreCase));

        Assert.Equal(zonesBefore, await client.CountZonesAsync());
    }

    /// <summary>One ping on the wire; <c>accuracy</c> in metres, <c>timestamp</c> epoch ms.</summary>
    sealed record GpsPing(double Latitude, double Longitude, double Accuracy, long Timestamp);

    /// <summary>Fixes scattered around a true position the way a GPS receiver's are.</summary>
    /// <remarks>The reported accuracy is read as Android defines it: the radius of 68% confidence. For a
    /// circular 2-D Gaussian that radius is sigma x sqrt(-2 ln 0.32) ≈ 1.51 sigma, so each axis gets
    /// sigma = accuracy / 1.51 (≈ 9.9 m for 15 m). Box-Muller over a seeded Random, so a failure replays.</remarks>
    sealed class GpsNoise(int seed, double accuracy)
    {
        readonly Random _random = new(seed);
        readonly double _sigma = accuracy / Math.Sqrt(-2 * Math.Log(1 - 0.68));

        public GpsPing Around(double centreLat, double centreLon, double eastMeters, long timestamp)
        {
            var u1 = 1.0 - _random.NextDouble(); // (0, 1]: log(0) is not a number
            var u2 = _random.NextDouble();
            var magnitude = _sigma * Math.Sqrt(-2 * Math.Log(u1));
            var east = eastMeters + magnitude * Math.Cos(2 * Math.PI * u2);
            var north = magnitude * Math.Sin(2 * Math.PI * u2);
            return new GpsPing(
                centreLat + north / MetersPerDegreeLatitude,
                centreLon + east / (MetersPerDegreeLatitude * Math.Cos(centreLat * Math.PI / 180)),
                accuracy,
                timestamp);
        }
    }

    /// <summary>How the raw fixes sit against the true edge, for the assertions and their messages.</summary>
    sealed record Trace(int Pings, int Outside, int EdgeCrossings, int InsideByTwentyMeters, int OutsideByTwentyMeters)
    {
        public override string ToString() =>
            $"raw fixes: {Pings}, outside the edge: {Outside}, edge crossings between consecutive fixes: {EdgeCrossings}, "
            + $"inside by >= 20 m: {InsideByTwentyMeters}, outside by >= 20 m: {OutsideByTwentyMeters}";
    }

    static Trace TraceOf(IReadOnlyList<GpsPing> pings, double centreLat, double centreLon, double radius)
    {
        var distances = pings.Select(p => Haversine(centreLat, centreLon, p.Latitude, p.Longitude)).ToList();
        var crossings = 0;
        for (var i = 1; i < distances.Count; i++)
        {
            if (distances[i] > radius != distances[i - 1] > radius)
            {
                crossings++;
            }
        }

        return new Trace(pings.Count, distances.Count(d => d > radius), crossings,
            distances.Count(d => d <= radius - 20), distances.Count(d => d >= radius + 20));
    }

    static double Haversine(double lat1, double lon1, double lat2, double lon2)
    {
        static double Rad(double degrees) => degrees * Math.PI / 180;
        var h = Math.Pow(Math.Sin(Rad(lat2 - lat1) / 2), 2)
            + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(Rad(lon2 - lon1) / 2), 2);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    static async Task<List<JsonNode>> PostInBatchesAsync(ZonesClient client, IReadOnlyList<GpsPing> pings, int size)
    {
        var events = new List<JsonNode>();
        foreach (var batch in pings.Chunk(size))
        {
            var report = await client.PostPingListAsync(batch);
            Assert.Equal((batch.Length, 0), Counts(report));
            events.AddRange(Events(report));
        }

        return events;
    }

    static string Names(IEnumerable<JsonNode> events) => string.Join(", ", events.Select(Walk.Describe));

    /// <summary>Each event with how far from the zone's centre its ping really was: the evidence for a flap.</summary>
    static string Explain(IEnumerable<JsonNode> events, IReadOnlyList<GpsPing> pings) => string.Join(", ", events.Select(e =>
    {
        var timestamp = e["timestamp"]!.GetValue<long>();
        var index = pings.ToList().FindIndex(p => p.Timestamp == timestamp);
        var distance = index < 0 ? double.NaN : Haversine(EdgeLat, EdgeLon, pings[index].Latitude, pings[index].Longitude);
        return $"{Walk.Describe(e)} (ping #{index}, {distance:F1} m from the centre)";
    }));

    static (int Accepted, int Ignored) Counts(JsonNode report) =>
        (report["accepted"]!.GetValue<int>(), report["ignored"]!.GetValue<int>());

    /// <summary>What a user sees of an event, without the ids (which differ per user by design).</summary>
    static List<string> Signature(IEnumerable<JsonNode> events) =>
        [.. events.Select(e => $"{e["zoneName"]!.GetValue<string>()}|{e["type"]!.GetValue<string>()}|{e["timestamp"]!.GetValue<long>()}")];

    static async Task<List<JsonNode>> ListedOldestFirstAsync(ZonesClient client)
    {
        var listed = (await client.GetActivitiesAsync("limit=200")).Select(e => e!).ToList();
        listed.Reverse();
        return listed;
    }

    // Office: a 150 m circle; Park: a ~400 m x 440 m square 2 km east of it; the walk turns around between them.
    const double OfficeLat = 52.5200, OfficeLon = 13.4050, ParkLat = 52.5200, ParkLon = 13.4350, TurnLon = 13.4200;

    static async Task CreateOfficeAndParkAsync(ZonesClient client)
    {
        await client.CreateZoneAsync(new { title = "Office", latitude = OfficeLat, longitude = OfficeLon, radius = 150 });
        await client.CreateZoneAsync(new
        {
            title = "Park",
            polygon = new
            {
                type = "Polygon",
                coordinates = new[]
                {
                    new[]
                    {
                        new[] { ParkLon - 0.003, ParkLat - 0.002 }, new[] { ParkLon + 0.003, ParkLat - 0.002 },
                        new[] { ParkLon + 0.003, ParkLat + 0.002 }, new[] { ParkLon - 0.003, ParkLat + 0.002 },
                        new[] { ParkLon - 0.003, ParkLat - 0.002 },
                    },
                },
            },
        });
    }

    /// <summary>Four rounds of turn point → Office → turn point → Park → turn point, one ping a minute in steps of
    /// ~85 m (5 km/h), ending well in the past.</summary>
    static List<GpsPing> VisitingWalk()
    {
        const int stepsPerLeg = 12;
        var start = DateTimeOffset.UtcNow.AddHours(-4).ToUnixTimeMilliseconds();
        var pings = new List<GpsPing> { new(OfficeLat, TurnLon, 5, start) };
        var legs = new[] { (TurnLon, OfficeLon), (OfficeLon, TurnLon), (TurnLon, ParkLon), (ParkLon, TurnLon) };
        for (var round = 0; round < 4; round++)
        {
            foreach (var (from, to) in legs)
            {
                for (var step = 1; step <= stepsPerLeg; step++)
                {
                    var lon = from + (to - from) * step / stepsPerLeg;
                    pings.Add(new GpsPing(OfficeLat, lon, 5, start + pings.Count * 60_000L));
                }
            }
        }

        return pings;
    }

    /// <summary>A polygon zone whose ring is given in hundredths of a degree from (lat, lon).</summary>
    static object PolygonZone(string title, double lat, double lon, double[][] ring) => new
    {
        title,
        polygon = new
        {
            type = "Polygon",
            coordinates = new[] { ring.Select(p => new[] { lon + p[0] / 100, lat + p[1] / 100 }).ToArray() },
        },
    };

    static List<(string Field, string Reason)> AssertValidationError(HttpStatusCode status, JsonNode envelope)
    {
        var text = envelope.ToJsonString();
        Assert.True(status == HttpStatusCode.BadRequest, $"expected 400, got {(int)status}: {text}");
        Assert.False(envelope["success"]!.GetValue<bool>(), text);
        Assert.Equal("VALIDATION_ERROR", envelope["error"]!["code"]!.GetValue<string>());
        var details = envelope["error"]!["details"]?.AsArray().Select(d =>
            (d!["field"]!.GetValue<string>(), d["reason"]!.GetValue<string>())).ToList() ?? [];
        Assert.True(details.Count > 0, $"a VALIDATION_ERROR should say what is wrong in details: {text}");
        return details;
    }
}
