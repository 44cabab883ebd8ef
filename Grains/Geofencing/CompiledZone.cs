using NetTopologySuite.Algorithm.Construct;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace Zones.Geofencing;

/// <summary>A zone turned into something cheap to test a point against, with the hysteresis rule of its shape.
/// Not thread-safe: an engine belongs to one grain.</summary>
/// <remarks>A silo holds one per zone of every active user (ten million for a million users), so it is the only
/// object a circle costs: the stored zone's fields are kept here flat, and <see cref="Zone"/> rebuilds the record
/// (and its definition) when a caller asks for it, which is rare next to the pings that only read the fields.</remarks>
internal abstract class CompiledZone
{
    readonly Guid _userId;
    readonly string? _address;
    readonly string? _color;
    readonly string? _description;
    readonly string? _imageUrl;
    readonly long _createdAt;
    readonly long _updatedAt;
    readonly int _dwellSeconds;
    readonly bool _hasDwellSeconds;

    protected CompiledZone(Zone zone, double baseMarginMeters)
    {
        var definition = zone.Definition;
        Id = zone.Id;
        _userId = zone.UserId;
        Title = definition.Title;
        _address = definition.Address;
        Latitude = definition.Latitude;
        Longitude = definition.Longitude;
        Radius = definition.Radius;
        Icon = definition.Icon;
        _color = definition.Color;
        _description = definition.Description;
        NotificationOption = definition.NotificationOption;
        NotificationText = definition.NotificationText;
        _hasDwellSeconds = definition.DwellSeconds.HasValue;
        _dwellSeconds = definition.DwellSeconds.GetValueOrDefault();
        _imageUrl = zone.ImageUrl;
        _createdAt = zone.CreatedAt;
        _updatedAt = zone.UpdatedAt;
        BaseMarginMeters = baseMarginMeters;
    }

    /// <summary>The zone as it was given (an equal record, built on each call).</summary>
    public Zone Zone => new(Id, _userId,
        new ZoneDefinition(Title, _address, Latitude, Longitude, Radius, PolygonCoordinates, Icon, _color, _description,
            NotificationOption, NotificationText, _hasDwellSeconds ? _dwellSeconds : null),
        _imageUrl, _createdAt, _updatedAt);

    public Guid Id { get; }

    public string Title { get; }

    /// <summary>A circle's centre, or a polygon's label point.</summary>
    public double Latitude { get; }

    /// <inheritdoc cref="Latitude"/>
    public double Longitude { get; }

    /// <summary>A circle's radius in metres (a polygon ignores it).</summary>
    public double Radius { get; }

    public string? Icon { get; }

    public string NotificationOption { get; }

    public string NotificationText { get; }

    /// <summary>A polygon's rings as given; null for a circle.</summary>
    protected virtual PolygonCoordinates? PolygonCoordinates => null;

    /// <summary>max(fraction of the zone's size, the minimum margin): the accuracy-independent part of the margin.</summary>
    public double BaseMarginMeters { get; }

    public long? DwellMs => _hasDwellSeconds && _dwellSeconds >= 0 ? _dwellSeconds * 1000L : null;

    /// <summary>The ping this zone was last looked at for, so the index candidates and the zones the user is in
    /// are each evaluated once per ping without a set.</summary>
    public long Stamp { get; set; }

    /// <summary>Where the index finds it: the shape's envelope (degrees) plus a slack.</summary>
    public abstract Envelope IndexEnvelope(double slackMeters);

    /// <summary>Outside now: true when the point is inside by at least the (capped) margin.</summary>
    public abstract bool ShouldEnter(double latitude, double longitude, double marginMeters);

    /// <summary>Inside now: true when the point is outside by at least the margin.</summary>
    public abstract bool ShouldExit(double latitude, double longitude, double marginMeters);

    protected static Envelope Expand(double minLat, double maxLat, double minLon, double maxLon, double meters)
    {
        var dLat = meters / Geodesy.MetersPerDegree;
        var south = Math.Max(-90, minLat - dLat);
        var north = Math.Min(90, maxLat + dLat);
        // Longitude degrees shrink towards the poles: scale by the envelope's most poleward latitude.
        var dLon = meters / Geodesy.MetersPerDegreeLongitude(Math.Max(Math.Abs(south), Math.Abs(north)));
        var west = minLon - dLon;
        var east = maxLon + dLon;
        if (west < -180 || east > 180 || dLon > 180)
        {
            // Across the antimeridian (or so close to a pole that longitude means little): index the whole band.
            // Rare, and only costs this zone being a candidate more often; the exact test still decides.
            west = -180;
            east = 180;
        }

        return new Envelope(west, east, south, north);
    }
}

/// <summary>A circle: geodesic (haversine) distance from the centre against the radius.</summary>
internal sealed class CircleZone(Zone zone, GeofencingOptions options) : CompiledZone(
    zone, Math.Max(options.RadiusMarginFraction * zone.Definition.Radius, options.MinMarginMeters))
{
    // The circle's bounding box plus a metre of slack: a few comparisons that spare the trigonometry of
    // haversine for the zones of a plain scan (no index below IndexThreshold zones) that are nowhere near.
    // Kept as four numbers rather than an Envelope: one object less per zone.
    readonly BoundingBox _bounds = new(Expand(zone.Definition.Latitude, zone.Definition.Latitude,
        zone.Definition.Longitude, zone.Definition.Longitude, zone.Definition.Radius + 1));

    public override Envelope IndexEnvelope(double slackMeters) =>
        Expand(Latitude, Latitude, Longitude, Longitude, Radius + slackMeters);

    // Inward margin capped at half the radius: with a 10 m circle and a 50 m accuracy the full margin would make
    // the zone impossible to enter; the cap keeps the inner half of the circle enterable.
    public override bool ShouldEnter(double latitude, double longitude, double marginMeters) =>
        _bounds.Contains(longitude, latitude)
        && Radius - Geodesy.Haversine(Latitude, Longitude, latitude, longitude) >= Math.Min(marginMeters, Radius / 2);

    public override bool ShouldExit(double latitude, double longitude, double marginMeters) =>
        Geodesy.Haversine(Latitude, Longitude, latitude, longitude) - Radius >= marginMeters;
}

/// <summary>A GeoJSON polygon (holes allowed) in lon/lat degrees. Containment is planar in degrees, as GeoJSON
/// and PostGIS geometry define it; the distance to the edge, which only the hysteresis needs, is in metres.</summary>
internal sealed class PolygonZone : CompiledZone
{
    readonly Polygon _polygon;
    readonly IPointOnGeometryLocator? _locator;
    readonly Envelope _envelope;
    readonly double[][] _ringLon;
    readonly double[][] _ringLat;
    readonly Coordinate _probe = new();
    double _inradiusMeters = double.NaN;

    const int LinearContainmentMaxPositions = 256;

    PolygonZone(Zone zone, Polygon polygon, double equivalentRadius, double[][] ringLon, double[][] ringLat,
        GeofencingOptions options)
        : base(zone, Math.Max(options.RadiusMarginFraction * equivalentRadius, options.MinMarginMeters))
    {
        _polygon = polygon;
        PolygonCoordinates = zone.Definition.Polygon;
        // Large polygons: the indexed locator a PreparedGeometryFactory polygon uses for Contains(point), called
        // directly with a reused Coordinate (no Point per ping); it still allocates ~60 bytes per call. Small ones:
        // a plain crossing count over the rings is as fast and allocates nothing (measured in Zones.Benchmarks).
        _locator = (polygon.NumPoints > LinearContainmentMaxPositions) ? new IndexedPointInAreaLocator(polygon) : null;
        _envelope = polygon.EnvelopeInternal;
        _ringLon = ringLon;
        _ringLat = ringLat;
        EquivalentRadiusMeters = equivalentRadius;
    }

    /// <summary>sqrt(area / pi): the radius of a circle of the same area, so a polygon's margin scales with its
    /// size like a circle's (RadiusMarginFraction of it).</summary>
    public double EquivalentRadiusMeters { get; }

    public Polygon Polygon => _polygon;

    protected override PolygonCoordinates? PolygonCoordinates { get; }

    public static PolygonZone Compile(Zone zone, GeofencingOptions options)
    {
        var polygon = ZoneShapes.BuildPolygon(zone.Definition.Polygon!);
        var rings = zone.Definition.Polygon!.Rings;
        var ringLon = new double[rings.Count][];
        var ringLat = new double[rings.Count][];
        for (var r = 0; r < rings.Count; r++)
        {
            ringLon[r] = new double[rings[r].Count];
            ringLat[r] = new double[rings[r].Count];
            for (var i = 0; i < rings[r].Count; i++)
            {
                ringLon[r][i] = rings[r][i][0];
                ringLat[r][i] = rings[r][i][1];
            }
        }

        var centre = polygon.EnvelopeInternal.Centre;
        var area = 0.0;
        for (var r = 0; r < rings.Count; r++)
        {
            var ringArea = Math.Abs(ProjectedSignedArea(ringLon[r], ringLat[r], centre.X, centre.Y));
            area += r == 0 ? ringArea : -ringArea;
        }

        return new PolygonZone(zone, polygon, Math.Sqrt(Math.Max(area, 0) / Math.PI), ringLon, ringLat, options);
    }

    public override Envelope IndexEnvelope(double slackMeters) =>
        Expand(_envelope.MinY, _envelope.MaxY, _envelope.MinX, _envelope.MaxX, slackMeters);

    public override bool ShouldEnter(double latitude, double longitude, double marginMeters)
    {
        if (!IsInterior(latitude, longitude))
        {
            return false;
        }

        // As for circles, a margin wider than the shape would make it impossible to enter: cap it at half the
        // radius of the largest circle that fits inside (computed once, when first needed).
        var inward = Math.Min(marginMeters, InradiusMeters / 2);
        return IsFartherFromEdgeThan(latitude, longitude, inward);
    }

    // A point on the boundary counts as neither: its distance to the edge (0) is below any margin anyway.
    public override bool ShouldExit(double latitude, double longitude, double marginMeters) =>
        !IsInterior(latitude, longitude) && IsFartherFromEdgeThan(latitude, longitude, marginMeters);

    /// <summary>Planar point-in-polygon in degrees (even-odd over shell and holes).</summary>
    internal bool IsInterior(double latitude, double longitude)
    {
        if (!_envelope.Intersects(longitude, latitude))
        {
            return false;
        }

        if (_locator is not null)
        {
            _probe.X = longitude;
            _probe.Y = latitude;
            return _locator.Locate(_probe) == Location.Interior;
        }

        var inside = false;
        for (var r = 0; r < _ringLon.Length; r++)
        {
            var lons = _ringLon[r];
            var lats = _ringLat[r];
            for (var i = 1; i < lons.Length; i++)
            {
                double y1 = lats[i - 1], y2 = lats[i];
                if ((y1 > latitude) != (y2 > latitude)
                    && longitude < lons[i - 1] + (latitude - y1) / (y2 - y1) * (lons[i] - lons[i - 1]))
                {
                    inside = !inside;
                }
            }
        }

        return inside;
    }

    /// <summary>Whether every edge (shell and holes) is at least <paramref name="meters"/> away.
    /// Approximation: each edge is projected equirectangularly around the ping (x = dLon * cos(lat) * m/deg,
    /// y = dLat * m/deg) and the planar point-segment distance taken. Over the few hundred metres a margin spans
    /// the error is far below a metre; it grows with distance, where the answer is not close anyway.</summary>
    internal bool IsFartherFromEdgeThan(double latitude, double longitude, double meters)
    {
        var kx = Geodesy.MetersPerDegreeLongitude(latitude);
        const double ky = Geodesy.MetersPerDegree;
        var limit = meters * meters;
        for (var r = 0; r < _ringLon.Length; r++)
        {
            var lons = _ringLon[r];
            var lats = _ringLat[r];
            var ax = (lons[0] - longitude) * kx;
            var ay = (lats[0] - latitude) * ky;
            for (var i = 1; i < lons.Length; i++)
            {
                var bx = (lons[i] - longitude) * kx;
                var by = (lats[i] - latitude) * ky;
                if (SquaredDistanceToOrigin(ax, ay, bx, by) < limit)
                {
                    return false;
                }

                ax = bx;
                ay = by;
            }
        }

        return true;
    }

    static double SquaredDistanceToOrigin(double ax, double ay, double bx, double by)
    {
        var dx = bx - ax;
        var dy = by - ay;
        var lengthSquared = dx * dx + dy * dy;
        var t = lengthSquared > 0 ? Math.Clamp(-(ax * dx + ay * dy) / lengthSquared, 0, 1) : 0;
        var px = ax + t * dx;
        var py = ay + t * dy;
        return px * px + py * py;
    }

    double InradiusMeters
    {
        get
        {
            if (double.IsNaN(_inradiusMeters))
            {
                _inradiusMeters = ComputeInradius();
            }

            return _inradiusMeters;
        }
    }

    /// <summary>Radius of the maximum inscribed circle, on the polygon projected to local metres.</summary>
    double ComputeInradius()
    {
        var centre = _envelope.Centre;
        var kx = Geodesy.MetersPerDegreeLongitude(centre.Y);
        var factory = _polygon.Factory;
        LinearRing Project(double[] lons, double[] lats)
        {
            var coordinates = new Coordinate[lons.Length];
            for (var i = 0; i < lons.Length; i++)
            {
                coordinates[i] = new Coordinate((lons[i] - centre.X) * kx, (lats[i] - centre.Y) * Geodesy.MetersPerDegree);
            }

            return factory.CreateLinearRing(coordinates);
        }

        var holes = new LinearRing[_ringLon.Length - 1];
        for (var r = 1; r < _ringLon.Length; r++)
        {
            holes[r - 1] = Project(_ringLon[r], _ringLat[r]);
        }

        var projected = factory.CreatePolygon(Project(_ringLon[0], _ringLat[0]), holes);
        var tolerance = Math.Max(0.25, EquivalentRadiusMeters / 200);
        return new MaximumInscribedCircle(projected, tolerance).GetRadiusLine().Length;
    }

    static double ProjectedSignedArea(double[] lons, double[] lats, double lon0, double lat0)
    {
        var kx = Geodesy.MetersPerDegreeLongitude(lat0);
        var sum = 0.0;
        for (var i = 0; i + 1 < lons.Length; i++)
        {
            var x1 = (lons[i] - lon0) * kx;
            var y1 = (lats[i] - lat0) * Geodesy.MetersPerDegree;
            var x2 = (lons[i + 1] - lon0) * kx;
            var y2 = (lats[i + 1] - lat0) * Geodesy.MetersPerDegree;
            sum += x1 * y2 - x2 * y1;
        }

        return sum / 2;
    }
}

/// <summary>An envelope's extent in degrees, as a value: the same test as <see cref="Envelope.Intersects(double, double)"/>.</summary>
internal readonly struct BoundingBox(Envelope envelope)
{
    readonly double _minX = envelope.MinX;
    readonly double _maxX = envelope.MaxX;
    readonly double _minY = envelope.MinY;
    readonly double _maxY = envelope.MaxY;

    public bool Contains(double x, double y) => !(x > _maxX || x < _minX || y > _maxY || y < _minY);
}
