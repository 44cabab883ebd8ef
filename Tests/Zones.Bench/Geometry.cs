namespace Zones.Bench;

/// <summary>The server's geometry, restated from README's evaluation rules so the generator knows which of its
/// own pings cross an edge: haversine on the mean Earth radius, and the hysteresis margin
/// max(2 x accuracy, 10% of the radius, 20 m) (inward margin capped at half the radius).</summary>
public static class Geometry
{
    public const double EarthRadiusMeters = 6_371_008.8;
    public const double MetersPerDegree = EarthRadiusMeters * Math.PI / 180;
    private const double Radians = Math.PI / 180;

    public static double Haversine(double lat1, double lon1, double lat2, double lon2)
    {
        var sinLat = Math.Sin((lat2 - lat1) * Radians / 2);
        var sinLon = Math.Sin((lon2 - lon1) * Radians / 2);
        var a = (sinLat * sinLat) + (Math.Cos(lat1 * Radians) * Math.Cos(lat2 * Radians) * sinLon * sinLon);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    public static double Margin(double accuracy, double radius) => Math.Max(Math.Max(2 * accuracy, 0.1 * radius), 20);

    /// <summary>A point <paramref name="north"/> / <paramref name="east"/> metres from an origin (flat, fine below a few km).</summary>
    public static (double Lat, double Lon) Offset(double lat, double lon, double north, double east) =>
        (lat + (north / MetersPerDegree), lon + (east / (MetersPerDegree * Math.Cos(lat * Radians))));
}

/// <summary>One circle zone as the generator knows it.</summary>
public sealed record BenchZone(Guid Id, double Latitude, double Longitude, double Radius);

/// <summary>A transition the generator expects from one of its pings.</summary>
public readonly record struct Transition(int Zone, bool Enter, long Timestamp);

/// <summary>
/// One user's phone: it walks east-west through its home zone (radius 200 m) in 20 m steps, one fix a second,
/// between 390 m west and 390 m east of the centre. Positions are odd multiples of 10 m from the centre, so
/// every fix is at least 10 m away from both hysteresis thresholds (180 m in, 220 m out at 5 m accuracy):
/// about 1 ping in 20 enters or leaves, and never ambiguously. The other zones sit 1-3 km away, out of reach.
/// </summary>
public sealed class Walker(IReadOnlyList<BenchZone> zones, double homeLat, double homeLon)
{
    public const double Accuracy = 5;
    public const double Reach = 390;
    public const double Step = 20;

    // Closer than this to a threshold counts as ambiguous (a rounding or formula difference could flip it).
    private const double Ambiguity = 2;

    private readonly bool[] inside = new bool[zones.Count];
    private double east = -Reach;
    private double step = Step;

    public long Timestamp { get; private set; }

    /// <summary>Fixes that fell within 2 m of a threshold (must stay 0, else the expectations are unsure).</summary>
    public long Ambiguous { get; private set; }

    /// <summary>Puts the walker at its west end, outside every zone, with the clock at <paramref name="timestamp"/>.
    /// The first ping after this is the reset fix (far outside: whatever the server believed, it now agrees).</summary>
    public void Reset(long timestamp)
    {
        Array.Clear(inside);
        east = -Reach;
        step = Step;
        Timestamp = timestamp;
    }

    /// <summary>The fix at the current position (the reset fix), without moving.</summary>
    public WirePing Here() => Fix();

    /// <summary>Moves one step and one second, appends what it should cause to <paramref name="transitions"/>.</summary>
    public WirePing Next(List<Transition>? transitions)
    {
        if (east + step > Reach || east + step < -Reach)
        {
            step = -step;
        }

        east += step;
        Timestamp += 1_000;
        var ping = Fix();
        for (var z = 0; z < zones.Count; z++)
        {
            var zone = zones[z];
            var distance = Geometry.Haversine(zone.Latitude, zone.Longitude, ping.Latitude, ping.Longitude);
            var margin = Geometry.Margin(Accuracy, zone.Radius);
            var enterAt = zone.Radius - Math.Min(margin, zone.Radius / 2);
            var exitAt = zone.Radius + margin;
            if (Math.Abs(distance - enterAt) < Ambiguity || Math.Abs(distance - exitAt) < Ambiguity)
            {
                Ambiguous++;
            }

            if (!inside[z] && distance <= enterAt)
            {
                inside[z] = true;
                transitions?.Add(new Transition(z, true, ping.Timestamp));
            }
            else if (inside[z] && distance >= exitAt)
            {
                inside[z] = false;
                transitions?.Add(new Transition(z, false, ping.Timestamp));
            }
        }

        return ping;
    }

    private WirePing Fix()
    {
        var (lat, lon) = Geometry.Offset(homeLat, homeLon, 0, east);
        return new WirePing(Math.Round(lat, 7), Math.Round(lon, 7), Accuracy, Timestamp);
    }
}
