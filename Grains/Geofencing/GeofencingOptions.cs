namespace Zones.Geofencing;

/// <summary>The evaluation rules' settings (configuration section <c>Geofencing</c>).</summary>
public sealed class GeofencingOptions
{
    public const string Section = "Geofencing";

    /// <summary>A ping whose accuracy is worse than this moves no presence (metres).</summary>
    public double MaxAccuracyMeters { get; set; } = 500;

    /// <summary>A ping implying a faster move since the last accepted ping moves no presence (km/h), unless
    /// <see cref="ConfirmFixes"/> fixes in a row confirm it.</summary>
    public double MaxSpeedKmh { get; set; } = 300;

    /// <summary>How many consecutive fixes that agree with each other (each within <see cref="MaxSpeedKmh"/> of
    /// the one before) and all disagree with the last accepted fix replace it: the last of them moves presence.
    /// This bounds what a wrong anchor costs (a stale first fix, the last fix before a flight) to this many
    /// pings, while a lone glitch in a steady track, never confirmed, is ignored. 1 turns the speed check off.
    /// At least 1.</summary>
    public int ConfirmFixes { get; set; } = 3;

    /// <summary>The accuracy term of the hysteresis margin is this many times the reported accuracy. Accuracy is
    /// a 68% radius (Android, iOS), so single fixes stray past it often; at 2x a phone standing still near an
    /// edge for an hour of 5 s pings practically never crosses the margin (about 1% of hours at 10 m from
    /// the edge with 15 m accuracy, against over half at 1x).</summary>
    public double AccuracyMarginFactor { get; set; } = 2;

    /// <summary>The smallest hysteresis margin (metres).</summary>
    public double MinMarginMeters { get; set; } = 20;

    /// <summary>The margin as a fraction of a circle's radius.</summary>
    public double RadiusMarginFraction { get; set; } = 0.1;
}
