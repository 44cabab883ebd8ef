namespace Zones.LoadTest;

/// <summary>
/// One simulated phone. It circles one of its user's zones at a constant distance from the centre, so a
/// quiet ping never crosses an edge; a crossing ping steps radially from "inside by more than the
/// hysteresis margin" to "outside by more than it" (or back), so it yields exactly one enter or exit.
/// </summary>
public sealed class Walker
{
    // Mean Earth radius: the server measures geodesically; over < 1 km the planar error is far below Buffer.
    private const double MetersPerDegree = 6_371_008.8 * Math.PI / 180;
    private const double MaxAccuracy = 10;

    // Beyond README's margin = max(2 x accuracy, 10% of radius, 20 m), so neither side sits in the dead band.
    private const double Buffer = 25;

    private readonly Random random;
    private readonly ZoneBody zone;
    private readonly double inside;
    private readonly double outside;
    private readonly double speed;
    private readonly double direction;
    private double angle;
    private bool isInside;
    private long timestamp;

    public Walker(ZoneBody zone, Random random, long startTimestamp)
    {
        this.zone = zone;
        this.random = random;
        var margin = Math.Max(Math.Max(2 * MaxAccuracy, 0.1 * zone.Radius), 20);
        inside = Math.Max(zone.Radius - margin - Buffer, 0);
        outside = zone.Radius + margin + Buffer;

        // Seven in ten walk (1.2-1.6 m/s), the rest drive (8-14 m/s).
        speed = random.NextDouble() < 0.7 ? 1.2 + (0.4 * random.NextDouble()) : 8 + (6 * random.NextDouble());
        direction = random.Next(2) == 0 ? -1 : 1;
        angle = random.NextDouble() * 2 * Math.PI;
        timestamp = startTimestamp;
    }

    /// <summary>Pings sent with a crossing step; each should come back as one event.</summary>
    public long Crossings { get; private set; }

    /// <summary>Batches whose timestamps had to be squeezed because the device clock caught up with now.</summary>
    public long ClampedBatches { get; private set; }

    public PingBody[] NextBatch(int size, double crossingRatio, long nowMs)
    {
        var pings = new PingBody[size];
        var clamped = false;
        for (var i = 0; i < size; i++)
        {
            // Device pings every ~5 s; the clock starts hours back so long runs stay in the past.
            var dt = 4_500 + random.Next(1_001);
            if (timestamp + dt > nowMs)
            {
                // Keep timestamps strictly increasing and never in the future; such pings imply an absurd
                // speed and the server treats them as bad fixes, so this must stay rare (it is reported).
                dt = 1;
                clamped = true;
            }

            timestamp += dt;
            var before = Position();
            double heading;
            if (random.NextDouble() < crossingRatio)
            {
                isInside = !isInside;
                Crossings++;
                heading = Bearing(angle + (isInside ? Math.PI : 0));
            }
            else
            {
                var distance = isInside ? inside : outside;
                var step = speed * dt / 1_000.0;
                angle += distance > 0 ? direction * step / distance : 0;
                heading = Bearing(angle + (direction * Math.PI / 2));
            }

            var (lat, lon) = Position();
            var moved = Math.Sqrt(Square((lat - before.Lat) * MetersPerDegree)
                + Square((lon - before.Lon) * MetersPerDegree * Math.Cos(zone.Latitude * Math.PI / 180)));
            var accuracy = 4 + (random.NextDouble() * (MaxAccuracy - 4));
            pings[i] = new PingBody(Round(lat, 7), Round(lon, 7), Round(accuracy, 1), timestamp, Round(moved * 1_000 / dt, 2), Round(heading, 1));
        }

        if (clamped)
        {
            ClampedBatches++;
        }

        return pings;
    }

    private (double Lat, double Lon) Position()
    {
        var distance = isInside ? inside : outside;
        var north = distance * Math.Cos(angle);
        var east = distance * Math.Sin(angle);
        return (zone.Latitude + (north / MetersPerDegree),
                zone.Longitude + (east / (MetersPerDegree * Math.Cos(zone.Latitude * Math.PI / 180))));
    }

    // angle is measured from north towards east, so it is already a compass bearing.
    private static double Bearing(double radians)
    {
        var degrees = radians * 180 / Math.PI % 360;
        return degrees < 0 ? degrees + 360 : degrees;
    }

    private static double Square(double x) => x * x;

    private static double Round(double x, int digits) => Math.Round(x, digits, MidpointRounding.AwayFromZero);
}
