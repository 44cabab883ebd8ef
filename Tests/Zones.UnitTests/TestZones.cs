using Zones.Geofencing;

namespace Zones.UnitTests;

/// <summary>Zones, pings and positions for tests, in metres around a fixed origin (Berlin).</summary>
internal static class TestZones
{
    public const double OriginLat = 52.52;
    public const double OriginLon = 13.405;
    const double MetersPerDegree = 6_371_008.8 * Math.PI / 180;

    public static readonly Guid User = new("0b7c1d5e-3a8f-4c6e-9d2b-5f1a7e3c9b01");

    /// <summary>The position <paramref name="north"/> / <paramref name="east"/> metres from the origin.</summary>
    public static (double Lat, double Lon) At(double north, double east) =>
        (OriginLat + north / MetersPerDegree, OriginLon + east / (MetersPerDegree * Math.Cos(OriginLat * Math.PI / 180)));

    public static Ping PingAt(double north, double east, long timestamp, double? accuracy = 5)
    {
        var (lat, lon) = At(north, east);
        return new Ping(lat, lon, accuracy, timestamp);
    }

    public static ZoneDefinition CircleDefinition(double north, double east, double radius, int? dwellSeconds = null,
        string option = NotificationOptions.Both, string title = "Circle")
    {
        var (lat, lon) = At(north, east);
        return new ZoneDefinition(title, null, lat, lon, radius, null, "pin", "#ff0000", null, option,
            $"You have entered {title}", dwellSeconds);
    }

    public static Zone Circle(double north, double east, double radius, int? dwellSeconds = null,
        string option = NotificationOptions.Both, Guid? id = null, string title = "Circle") =>
        new(id ?? Guid.NewGuid(), User, CircleDefinition(north, east, radius, dwellSeconds, option, title), null, 0, 0);

    /// <summary>A ring from (north, east) metre pairs; closed automatically.</summary>
    public static IReadOnlyList<double[]> Ring(params (double North, double East)[] points)
    {
        var ring = new List<double[]>();
        foreach (var (north, east) in points)
        {
            var (lat, lon) = At(north, east);
            ring.Add([lon, lat]);
        }

        ring.Add([ring[0][0], ring[0][1]]);
        return ring;
    }

    /// <summary>An axis-aligned square ring, counter-clockwise, centred at (north, east).</summary>
    public static IReadOnlyList<double[]> Square(double north, double east, double half) =>
        Ring((north - half, east - half), (north - half, east + half), (north + half, east + half), (north + half, east - half));

    public static ZoneDefinition PolygonDefinition(IReadOnlyList<IReadOnlyList<double[]>> rings, int? dwellSeconds = null,
        string title = "Polygon")
    {
        var label = rings[0][0];
        return new ZoneDefinition(title, null, label[1], label[0], 0, new PolygonCoordinates(rings), "flag", null, null,
            NotificationOptions.Both, $"You have entered {title}", dwellSeconds);
    }

    public static Zone Polygon(params IReadOnlyList<double[]>[] rings) =>
        new(Guid.NewGuid(), User, PolygonDefinition(rings), null, 0, 0);

    public static Zone WithDwell(this Zone zone, int seconds) =>
        zone with { Definition = zone.Definition with { DwellSeconds = seconds } };

    public static GeofenceEngine Engine(params Zone[] zones)
    {
        var engine = new GeofenceEngine(new GeofencingOptions());
        engine.Load(zones);
        return engine;
    }

    public static IReadOnlyList<ZoneEvent> Events(this Evaluation evaluation)
    {
        var events = new List<ZoneEvent>();
        foreach (var transition in evaluation.Transitions)
        {
            events.Add(transition.Event);
        }

        return events;
    }

    public static string Kinds(this IEnumerable<ZoneEvent> events, params (Zone Zone, string Name)[] names)
    {
        var parts = new List<string>();
        foreach (var e in events)
        {
            var name = e.ZoneId.ToString();
            foreach (var (zone, n) in names)
            {
                if (zone.Id == e.ZoneId)
                {
                    name = n;
                }
            }

            parts.Add($"{e.Type} {name}");
        }

        return string.Join(", ", parts);
    }
}
