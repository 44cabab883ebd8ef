namespace Zones.Geofencing;

/// <summary>Which transitions of a zone are pushed live. Every transition is stored either way.</summary>
public static class NotificationOptions
{
    public const string Enter = "enter";
    public const string Exit = "exit";
    public const string Both = "both";

    public static bool IsValid(string? value) => value is Enter or Exit or Both;

    /// <summary>Whether an activity of <paramref name="activityType"/> is pushed under <paramref name="option"/>.
    /// Dwell is pushed whenever enters are.</summary>
    public static bool Pushes(string option, string activityType) => activityType switch
    {
        ActivityTypes.Exit => option is Exit or Both,
        _ => option is Enter or Both,
    };
}

/// <summary>Bounds on a zone's fields that both the Api's validation and the grain's use.</summary>
public static class ZoneLimits
{
    /// <summary>The longest dwell a zone may ask for: 7 days. Longer waits are not what a dwell means, and an
    /// unbounded value would keep a reminder and its timer re-arming for years.</summary>
    public const int MaxDwellSeconds = 7 * 24 * 60 * 60;
}

/// <summary>A GeoJSON Polygon's coordinates: rings of [longitude, latitude] positions,
/// the first ring the shell, the others holes.</summary>
[GenerateSerializer, Immutable, Alias("Zones.PolygonCoordinates")]
public sealed record PolygonCoordinates([property: Id(0)] IReadOnlyList<IReadOnlyList<double[]>> Rings);

/// <summary>What a client sends to create or replace a zone (already validated at the edge).</summary>
[GenerateSerializer, Immutable, Alias("Zones.ZoneDefinition")]
public sealed record ZoneDefinition(
    [property: Id(0)] string Title,
    [property: Id(1)] string? Address,
    [property: Id(2)] double Latitude,
    [property: Id(3)] double Longitude,
    [property: Id(4)] double Radius,
    [property: Id(5)] PolygonCoordinates? Polygon,
    [property: Id(6)] string? Icon,
    [property: Id(7)] string? Color,
    [property: Id(8)] string? Description,
    [property: Id(9)] string NotificationOption,
    [property: Id(10)] string NotificationText,
    [property: Id(11)] int? DwellSeconds);

/// <summary>A stored zone.</summary>
[GenerateSerializer, Immutable, Alias("Zones.Zone")]
public sealed record Zone(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] ZoneDefinition Definition,
    [property: Id(3)] string? ImageUrl,
    [property: Id(4)] long CreatedAt,
    [property: Id(5)] long UpdatedAt);

/// <summary>A zone whose image was just set, and the image URL it had before (null when it had none).</summary>
[GenerateSerializer, Immutable, Alias("Zones.ZoneImageChange")]
public sealed record ZoneImageChange([property: Id(0)] Zone Zone, [property: Id(1)] string? PreviousImageUrl);

/// <summary>One page of a user's zones.</summary>
[GenerateSerializer, Immutable, Alias("Zones.ZonePage")]
public sealed record ZonePage(
    [property: Id(0)] IReadOnlyList<Zone> Items,
    [property: Id(1)] int Total);

/// <summary>The zones a user is inside, for diagnostics and tests.</summary>
[GenerateSerializer, Immutable, Alias("Zones.PresenceSnapshot")]
public sealed record PresenceSnapshot(
    [property: Id(0)] IReadOnlyList<Guid> InsideZoneIds,
    [property: Id(1)] long HighWaterMark);
