using Zones.Geofencing;

namespace Zones.Benchmarks;

internal enum Shape
{
    Circle,
    Polygon,
    Mixed,
}

/// <summary>A user with <c>count</c> zones spread at about one per km2 (so the index always has neighbours to
/// reject), one of them around the user, and pre-built pings so the timed loop only evaluates.</summary>
internal sealed class Scenario
{
    const double OriginLat = 48.8566;
    const double OriginLon = 2.3522;
    const double MetersPerDegree = 6_371_008.8 * Math.PI / 180;
    const int PingCount = 4_096;

    readonly List<Zone> _zones = [];
    readonly Random _random;

    public Scenario(Shape shape, int count, int seed)
    {
        _random = new Random(seed);
        var side = Math.Sqrt(count) * 1_000;
        for (var i = 0; i < count; i++)
        {
            // Zone 0 sits on the user; the others anywhere in the square.
            var (north, east) = i == 0 ? (0.0, 0.0) : ((_random.NextDouble() - 0.5) * side, (_random.NextDouble() - 0.5) * side);
            var polygon = shape == Shape.Polygon || (shape == Shape.Mixed && i % 2 == 1);
            _zones.Add(polygon ? Polygon(north, east, 150 + _random.NextDouble() * 150) : Circle(north, east, 100 + _random.NextDouble() * 200));
        }

        if (_zones.Count > 0 && _zones[0].Definition.Polygon is null)
        {
            _zones[0] = Circle(0, 0, 200);
        }
    }

    public int IndexThreshold { get; init; } = GeofenceEngine.DefaultIndexThreshold;

    public Run Start(bool crossing, int batchSize)
    {
        var engine = new GeofenceEngine(new GeofencingOptions());
        engine.IndexThreshold = IndexThreshold;
        engine.Load(_zones);
        var batches = new Ping[PingCount / batchSize][];
        long t = 1_700_000_000_000;
        for (var b = 0; b < batches.Length; b++)
        {
            batches[b] = new Ping[batchSize];
            for (var i = 0; i < batchSize; i++)
            {
                t += 5_000;
                var index = b * batchSize + i;
                // Quiet: jitter of a few metres around the centre of zone 0. Crossing: alternate between its centre
                // and 500 m east of it (100 m in 1 s would be too fast, so pings are a minute apart there).
                var (north, east) = crossing && index % 2 == 1 ? (0.0, 500.0) : (_random.NextDouble() * 10 - 5, _random.NextDouble() * 10 - 5);
                var (lat, lon) = At(north, east);
                batches[b][i] = new Ping(lat, lon, 8, crossing ? t * 12 : t);
            }
        }

        return new Run(engine, batches);
    }

    /// <summary>Feeds the pre-built batches round and round; the presence's high-water mark is reset at each lap
    /// so the same pings are evaluated again rather than ignored.</summary>
    internal sealed class Run(GeofenceEngine engine, Ping[][] batches)
    {
        static readonly Guid User = new("6f1d2c3b-4a59-4e87-9d60-1b2c3d4e5f60");
        readonly UserPresence _presence = new();
        int _next;

        public int Pings(int atLeast)
        {
            var done = 0;
            while (done < atLeast)
            {
                if (_next == batches.Length)
                {
                    _next = 0;
                    _presence.HighWaterMark = null;
                    _presence.LastFix = null;
                    _presence.Candidate = null;
                    _presence.CandidateCount = 0;
                }

                var batch = batches[_next++];
                engine.Evaluate(User, _presence, batch);
                done += batch.Length;
            }

            return done;
        }
    }

    static (double Lat, double Lon) At(double north, double east) =>
        (OriginLat + north / MetersPerDegree, OriginLon + east / (MetersPerDegree * Math.Cos(OriginLat * Math.PI / 180)));

    static Zone Circle(double north, double east, double radius)
    {
        var (lat, lon) = At(north, east);
        return new Zone(Guid.NewGuid(), Guid.Empty,
            new ZoneDefinition("circle", null, lat, lon, radius, null, null, null, null, NotificationOptions.Both, "in", null), null, 0, 0);
    }

    /// <summary>A 24-vertex star-ish polygon around (north, east).</summary>
    Zone Polygon(double north, double east, double size)
    {
        var ring = new List<double[]>();
        for (var i = 0; i < 24; i++)
        {
            var angle = 2 * Math.PI * i / 24;
            var r = size * (0.75 + 0.25 * _random.NextDouble());
            var (lat, lon) = At(north + r * Math.Sin(angle), east + r * Math.Cos(angle));
            ring.Add([lon, lat]);
        }

        ring.Add(ring[0]);
        var (labelLat, labelLon) = At(north, east);
        return new Zone(Guid.NewGuid(), Guid.Empty,
            new ZoneDefinition("polygon", null, labelLat, labelLon, 0, new PolygonCoordinates([ring]), null, null, null,
                NotificationOptions.Both, "in", null), null, 0, 0);
    }
}
