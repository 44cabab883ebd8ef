using System.Globalization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;
using Zones.Errors;

namespace Zones.Geofencing;

/// <summary>The domain's guard on zone shapes, and the one place GeoJSON rings become NTS polygons.
/// The Api checks the same syntactically; this runs before a zone is stored, so a bad shape never reaches
/// the engine or the database.</summary>
internal static class ZoneShapes
{
    public const double MinRadiusMeters = 1;
    public const double MaxRadiusMeters = 50_000;

    /// <summary>Vertices, not positions: a ring's closing position repeats its first and is not counted.</summary>
    public const int MaxPolygonVertices = 1_000;

    // Planar lon/lat degrees with full double precision: what GeoJSON and a PostGIS geometry(4326) mean.
    static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    public static void Validate(ZoneDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var details = new List<ErrorDetail>();

        if (!IsLatitude(definition.Latitude))
        {
            details.Add(new("latitude", "must be a number between -90 and 90"));
        }

        if (!IsLongitude(definition.Longitude))
        {
            details.Add(new("longitude", "must be a number between -180 and 180"));
        }

        if (definition.DwellSeconds is < 0 or > ZoneLimits.MaxDwellSeconds)
        {
            details.Add(new("dwellSeconds", string.Create(CultureInfo.InvariantCulture,
                $"must be between 0 and {ZoneLimits.MaxDwellSeconds} (7 days)")));
        }

        if (!NotificationOptions.IsValid(definition.NotificationOption))
        {
            details.Add(new("notificationOption", "must be one of enter, exit, both"));
        }

        if (definition.Polygon is null)
        {
            // The radius only means something for a circle; a polygon's is ignored (API.md).
            if (!double.IsFinite(definition.Radius) || definition.Radius is < MinRadiusMeters or > MaxRadiusMeters)
            {
                details.Add(new("radius", "must be between 1 and 50000 metres"));
            }
        }
        else
        {
            ValidatePolygon(definition.Polygon, details);
        }

        if (details.Count > 0)
        {
            throw new DomainValidationException("The zone is not valid.", details);
        }
    }

    static void ValidatePolygon(PolygonCoordinates polygon, List<ErrorDetail> details)
    {
        var rings = polygon.Rings;
        if (rings is null || rings.Count == 0)
        {
            details.Add(new("polygon.coordinates", "must hold at least one ring (the shell)"));
            return;
        }

        var before = details.Count;
        var vertices = 0;
        for (var r = 0; r < rings.Count; r++)
        {
            var field = Field(r);
            var ring = rings[r];
            if (ring is null)
            {
                details.Add(new(field, "must be an array of positions"));
                continue;
            }

            var positionsOk = true;
            for (var i = 0; i < ring.Count; i++)
            {
                var position = ring[i];
                if (position is null || position.Length < 2)
                {
                    details.Add(new($"{field}[{i}]", "must be a position [longitude, latitude]"));
                    positionsOk = false;
                }
                else if (!IsLongitude(position[0]) || !IsLatitude(position[1]))
                {
                    details.Add(new($"{field}[{i}]",
                        "longitude must be between -180 and 180 and latitude between -90 and 90"));
                    positionsOk = false;
                }
            }

            if (ring.Count < 4)
            {
                details.Add(new(field, "a ring needs at least 4 positions"));
            }
            else if (positionsOk && (ring[0][0] != ring[^1][0] || ring[0][1] != ring[^1][1]))
            {
                details.Add(new(field, "the ring is not closed: its last position must equal its first"));
            }

            vertices += Math.Max(ring.Count - 1, 0);
        }

        if (vertices > MaxPolygonVertices)
        {
            details.Add(new("polygon.coordinates",
                string.Create(CultureInfo.InvariantCulture, $"has {vertices} vertices; at most {MaxPolygonVertices} are allowed")));
        }

        if (details.Count > before)
        {
            return; // The geometry cannot be built from these rings; the details above say why.
        }

        // The shell alone first: a self-intersecting shell makes "is the hole inside" meaningless.
        var shell = Factory.CreatePolygon(Ring(rings[0]));
        if (Invalid(shell) is { } shellError)
        {
            details.Add(new(Field(0), shellError));
            return;
        }

        var holesOk = true;
        for (var r = 1; r < rings.Count; r++)
        {
            var hole = Ring(rings[r]);
            if (Invalid(Factory.CreatePolygon(hole)) is { } holeError)
            {
                details.Add(new(Field(r), holeError));
                holesOk = false;
            }
            else if (!shell.Covers(hole))
            {
                details.Add(new(Field(r), "the hole lies outside the shell"));
                holesOk = false;
            }
        }

        // What is left: holes that overlap each other, touch the shell along a line, split the interior, ...
        if (holesOk && Invalid(BuildPolygon(polygon)) is { } error)
        {
            details.Add(new("polygon.coordinates", error));
        }
    }

    /// <summary>NTS' reason the geometry is not valid (e.g. "Self-intersection near [lon, lat]"), or null.</summary>
    static string? Invalid(Polygon polygon)
    {
        var error = new IsValidOp(polygon).ValidationError;
        if (error is null)
        {
            return null;
        }

        var at = error.Coordinate is { } c ? string.Create(CultureInfo.InvariantCulture, $" near [{c.X}, {c.Y}]") : "";
        return $"the polygon is not valid: {error.Message}{at}";
    }

    /// <summary>Builds the polygon of already validated rings.</summary>
    public static Polygon BuildPolygon(PolygonCoordinates polygon)
    {
        var holes = new LinearRing[polygon.Rings.Count - 1];
        for (var r = 1; r < polygon.Rings.Count; r++)
        {
            holes[r - 1] = Ring(polygon.Rings[r]);
        }

        return Factory.CreatePolygon(Ring(polygon.Rings[0]), holes);
    }

    static LinearRing Ring(IReadOnlyList<double[]> positions)
    {
        var coordinates = new Coordinate[positions.Count];
        for (var i = 0; i < positions.Count; i++)
        {
            coordinates[i] = new Coordinate(positions[i][0], positions[i][1]);
        }

        return Factory.CreateLinearRing(coordinates);
    }

    static string Field(int ring) => string.Create(CultureInfo.InvariantCulture, $"polygon.coordinates[{ring}]");

    static bool IsLatitude(double value) => double.IsFinite(value) && value is >= -90 and <= 90;

    static bool IsLongitude(double value) => double.IsFinite(value) && value is >= -180 and <= 180;
}
