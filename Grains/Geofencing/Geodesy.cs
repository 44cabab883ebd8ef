namespace Zones.Geofencing;

/// <summary>Distances on a sphere. The mean Earth radius makes haversine good to about 0.5% anywhere,
/// far below GPS error at the distances a geofence cares about.</summary>
internal static class Geodesy
{
    public const double EarthRadiusMeters = 6_371_008.8;
    public const double MetersPerDegree = EarthRadiusMeters * Math.PI / 180;
    public const double Radians = Math.PI / 180;

    public static double Haversine(double lat1, double lon1, double lat2, double lon2)
    {
        var sinLat = Math.Sin((lat2 - lat1) * Radians / 2);
        var sinLon = Math.Sin((lon2 - lon1) * Radians / 2);
        var a = sinLat * sinLat + Math.Cos(lat1 * Radians) * Math.Cos(lat2 * Radians) * sinLon * sinLon;
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>Metres per degree of longitude at <paramref name="latitude"/>, never below a floor, so envelope
    /// maths near the poles stays finite (the envelope then simply spans more longitude).</summary>
    public static double MetersPerDegreeLongitude(double latitude) =>
        MetersPerDegree * Math.Max(Math.Cos(Math.Min(90, Math.Abs(latitude)) * Radians), 1e-6);
}
