using System.Text.Json;
using Zones.Api.Infrastructure;
using Zones.Geofencing;

namespace Zones.Api.Zones;

/// <summary>A GeoJSON Polygon as it appears in requests and answers.</summary>
public sealed record GeoJsonPolygon(IReadOnlyList<IReadOnlyList<double[]>> Coordinates)
{
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public string Type => "Polygon";
}

/// <summary>The body of POST /zones and PUT /zones/{id}, for the OpenAPI document; bodies are read by
/// <see cref="ZoneRequests"/>.</summary>
public sealed record ZoneRequest(
    string Title,
    double? Latitude,
    double? Longitude,
    double? Radius,
    GeoJsonPolygon? Polygon,
    string? Address,
    string? Icon,
    string? Color,
    string? Description,
    string? NotificationOption,
    string? NotificationText,
    int? DwellSeconds);

/// <summary>Validation of a zone body into a <see cref="ZoneDefinition"/>. The polygon check here is
/// syntactic (shape, ranges, closed rings, sizes, non-zero area); topology (self-intersection) is the grain's.</summary>
public static class ZoneRequests
{
    public const double DefaultRadius = 200;
    public const double MinRadius = 1;
    public const double MaxRadius = 50_000;
    public const int MaxVertices = 1_000;
    public const string DefaultNotificationText = "You have entered the zone";

    public static ZoneDefinition Parse(JsonElement body)
    {
        var problems = new ValidationProblems();
        var fields = new JsonFields(body, string.Empty, problems);

        var title = fields.String("title", required: true, 1, 100);
        var isPolygon = fields.Has("polygon");
        var polygon = isPolygon ? Polygon(fields) : null;
        var latitude = fields.Double("latitude", required: !isPolygon, -90, 90);
        var longitude = fields.Double("longitude", required: !isPolygon, -180, 180);
        if (isPolygon && fields.Has("latitude") != fields.Has("longitude"))
        {
            // A label point is both coordinates or neither (then the server picks one).
            fields.Add(fields.Has("latitude") ? "longitude" : "latitude", "is required when the other coordinate is given");
        }

        var radius = fields.Double("radius", required: false, MinRadius, MaxRadius);
        var address = fields.String("address", required: false, 0, 500);
        var icon = fields.String("icon", required: false, 0, 100);
        var color = fields.String("color", required: false, 0, 32);
        var description = fields.String("description", required: false, 0, 2_000);
        var option = fields.OneOf("notificationOption", required: false,
            NotificationOptions.Enter, NotificationOptions.Exit, NotificationOptions.Both);
        var text = fields.String("notificationText", required: false, 1, 500);
        var dwell = fields.Int32("dwellSeconds", required: false, 0, ZoneLimits.MaxDwellSeconds);

        if (polygon is not null && latitude is { } lat && longitude is { } lon
            && !PolygonGeometry.Contains(polygon.Rings, lon, lat))
        {
            // Rejected rather than silently moved: the client asked for a label point that is not a label.
            fields.Add("latitude", "must lie inside the polygon together with longitude");
        }

        problems.ThrowIfAny();

        if (polygon is not null && latitude is null)
        {
            var label = PolygonGeometry.LabelPoint(polygon.Rings);
            (longitude, latitude) = (label[0], label[1]);
        }

        return new ZoneDefinition(
            Title: title!,
            Address: EmptyToNull(address),
            Latitude: latitude!.Value,
            Longitude: longitude!.Value,
            Radius: radius ?? DefaultRadius,
            Polygon: polygon,
            Icon: EmptyToNull(icon),
            Color: EmptyToNull(color),
            Description: EmptyToNull(description),
            NotificationOption: option ?? NotificationOptions.Both,
            NotificationText: text ?? DefaultNotificationText,
            DwellSeconds: dwell);
    }

    private static PolygonCoordinates? Polygon(JsonFields fields)
    {
        var problems = fields.Problems;
        var before = problems.Details.Count;
        if (fields.Object("polygon", required: true) is not { } element)
        {
            return null;
        }

        var polygon = new JsonFields(element, fields.PathOf("polygon"), problems);
        var type = polygon.String("type", required: true, 0, 64);
        if (type is not null && type != "Polygon")
        {
            polygon.Add("type", "must be \"Polygon\"");
        }

        if (polygon.Array("coordinates", required: true) is not { } coordinates)
        {
            return null;
        }

        var path = polygon.PathOf("coordinates");
        var ringCount = coordinates.GetArrayLength();
        if (ringCount == 0)
        {
            problems.Add(path, "must hold at least one ring");
            return null;
        }

        var rings = new List<IReadOnlyList<double[]>>(ringCount);
        var vertices = 0;
        var r = 0;
        foreach (var ringElement in coordinates.EnumerateArray())
        {
            var ringPath = $"{path}[{r++}]";
            if (Ring(ringElement, ringPath, problems) is { } ring)
            {
                vertices += ring.Count - 1;
                rings.Add(ring);
            }

            if (vertices > MaxVertices)
            {
                problems.Add(path, $"must have at most {MaxVertices} vertices");
                return null;
            }
        }

        return problems.Details.Count == before ? new PolygonCoordinates(rings) : null;
    }

    private static List<double[]>? Ring(JsonElement element, string path, ValidationProblems problems)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            problems.Add(path, "must be an array of positions");
            return null;
        }

        var count = element.GetArrayLength();
        if (count < 4)
        {
            problems.Add(path, "must have at least 4 positions");
            return null;
        }

        if (count > MaxVertices + 1)
        {
            problems.Add(path, $"must have at most {MaxVertices} vertices");
            return null;
        }

        var ring = new List<double[]>(count);
        var valid = true;
        var i = 0;
        foreach (var position in element.EnumerateArray())
        {
            if (Position(position, $"{path}[{i++}]", problems) is { } point)
            {
                ring.Add(point);
            }
            else
            {
                valid = false;
            }
        }

        if (!valid)
        {
            return null;
        }

        if (ring[0][0] != ring[^1][0] || ring[0][1] != ring[^1][1])
        {
            problems.Add(path, "must be closed (its last position equal to its first)");
            return null;
        }

        if (PolygonGeometry.DoubleSignedArea(ring) == 0)
        {
            problems.Add(path, "must enclose an area");
            return null;
        }

        return ring;
    }

    /// <summary>A [lon, lat] position; a third (altitude) value is allowed by GeoJSON and dropped.</summary>
    private static double[]? Position(JsonElement element, string path, ValidationProblems problems)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() is < 2 or > 3)
        {
            problems.Add(path, "must be a [longitude, latitude] position");
            return null;
        }

        var lon = element[0];
        var lat = element[1];
        if (lon.ValueKind != JsonValueKind.Number || !lon.TryGetDouble(out var x) || !double.IsFinite(x)
            || lat.ValueKind != JsonValueKind.Number || !lat.TryGetDouble(out var y) || !double.IsFinite(y))
        {
            problems.Add(path, "must hold numbers");
            return null;
        }

        var ok = true;
        if (x is < -180 or > 180)
        {
            problems.Add($"{path}[0]", "longitude must be between -180 and 180");
            ok = false;
        }

        if (y is < -90 or > 90)
        {
            problems.Add($"{path}[1]", "latitude must be between -90 and 90");
            ok = false;
        }

        return ok ? [x, y] : null;
    }

    private static string? EmptyToNull(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
