namespace Zones.Geofencing;

/// <summary>The evaluation rules' settings (configuration section <c>Geofencing</c>).</summary>
public sealed class GeofencingOptions
{
    public const string Section = "Geofencing";

    /// <summary>A ping whose accuracy is worse than this moves no presence (metres).</summary>
    public double MaxAccuracyMeters { get; set; } = 500;

    /// <summary>A ping implying a faster move since the last accepted ping moves no presence (km/h).</summary>
    public double MaxSpeedKmh { get; set; } = 300;

    /// <summary>The smallest hysteresis margin (metres).</summary>
    public double MinMarginMeters { get; set; } = 20;

    /// <summary>The margin as a fraction of a circle's radius.</summary>
    public double RadiusMarginFraction { get; set; } = 0.1;
}
