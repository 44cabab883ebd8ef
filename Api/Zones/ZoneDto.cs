using System.Text.Json.Serialization;
using Zones.Geofencing;
using Zones.Nearby;

namespace Zones.Api.Zones;

/// <summary>A GeoJSON Point, [lon, lat].</summary>
public sealed record GeoJsonPoint(double[] Coordinates)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Point";
}

/// <summary>API.md's <c>Zone</c>. <c>polygon</c> is null for circles; <c>radius</c> is the stored value
/// (ignored for polygons); times in Unix ms.</summary>
public record ZoneDto(
    Guid Id,
    string Title,
    string? Address,
    GeoJsonPoint Location,
    double Latitude,
    double Longitude,
    double Radius,
    GeoJsonPolygon? Polygon,
    string? Icon,
    string? Color,
    string? Description,
    string NotificationOption,
    string NotificationText,
    int? DwellSeconds,
    string? ImageUrl,
    long CreatedAt,
    long UpdatedAt)
{
    public static ZoneDto From(Zone zone)
    {
        var d = zone.Definition;
        return new ZoneDto(
            zone.Id, d.Title, d.Address, new GeoJsonPoint([d.Longitude, d.Latitude]), d.Latitude, d.Longitude, d.Radius,
            d.Polygon is null ? null : new GeoJsonPolygon(d.Polygon.Rings), d.Icon, d.Color, d.Description,
            d.NotificationOption, d.NotificationText, d.DwellSeconds, zone.ImageUrl, zone.CreatedAt, zone.UpdatedAt);
    }
}

/// <summary>A zone of GET /zones/nearby: every <see cref="ZoneDto"/> field plus <c>distance</c>, in metres from the
/// searched point to the zone's centre (a polygon's label point).</summary>
public sealed record NearbyZoneDto : ZoneDto
{
    private NearbyZoneDto(ZoneDto zone, double distance) : base(zone) => Distance = distance;

    public double Distance { get; }

    public static NearbyZoneDto From(NearbyZone found) => new(ZoneDto.From(found.Zone), Math.Round(found.Distance, 1));
}
