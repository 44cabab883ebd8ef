using Zones.Geofencing;

namespace Zones.UnitTests;

/// <summary>A deliberately simple second implementation of the evaluation rules, to check the engine against:
/// no index, no prepared geometry, no buffers: every zone is tested for every ping with its own haversine
/// and its own ray casting. Only the rules are shared (README / GeofenceEngine remarks), not code.
/// One simplification: it does not cap the inward margin of a polygon at half its inscribed circle, so the
/// generators only make polygons wide enough that the cap never applies.</summary>
internal sealed class ReferenceGeofence(GeofencingOptions options, Guid userId)
{
    public sealed record Event(Guid Id, Guid ZoneId, string Type, long Timestamp, double Latitude, double Longitude, bool Push);

    sealed class Visit
    {
        public int Count;
        public bool Inside;
        public long EnteredAt;
        public bool DwellFired;
    }

    readonly Dictionary<Guid, Zone> _zones = [];
    readonly Dictionary<Guid, Visit> _visits = [];
    long? _highWaterMark;
    (double Lat, double Lon, long Time)? _fix;
    (double Lat, double Lon, long Time)? _candidate; // the newest fix of the track that disagrees with _fix
    int _track;

    public IEnumerable<Guid> InsideZones => _visits.Where(v => v.Value.Inside).Select(v => v.Key).Order();

    public void Upsert(Zone zone) => _zones[zone.Id] = zone;

    public void Remove(Guid zoneId)
    {
        _zones.Remove(zoneId);
        _visits.Remove(zoneId);
    }

    public (int Accepted, int Ignored, List<Event> Events) Evaluate(IReadOnlyList<Ping> pings)
    {
        var accepted = 0;
        var ignored = 0;
        var events = new List<Event>();
        foreach (var ping in pings.Select((p, i) => (p, i)).OrderBy(x => x.p.Timestamp).ThenBy(x => x.i).Select(x => x.p))
        {
            if (_highWaterMark is { } mark && ping.Timestamp <= mark)
            {
                ignored++;
                continue;
            }

            accepted++;
            _highWaterMark = ping.Timestamp;
            Step(ping, events);
        }

        return (accepted, ignored, events);
    }

    public List<Event> CollectDueDwells(long now)
    {
        var events = new List<Event>();
        Dwells(now, _fix?.Lat, _fix?.Lon, events);
        return events;
    }

    void Step(Ping ping, List<Event> events)
    {
        Dwells(ping.Timestamp, _fix?.Lat ?? ping.Latitude, _fix?.Lon ?? ping.Longitude, events);

        var usable = (ping.Accuracy is null || ping.Accuracy <= options.MaxAccuracyMeters) && Believable(ping);
        if (!usable)
        {
            return;
        }

        _fix = (ping.Latitude, ping.Longitude, ping.Timestamp);
        var accuracy = Math.Max(ping.Accuracy ?? 0, 0) * options.AccuracyMarginFactor;
        var exits = new List<Zone>();
        var enters = new List<Zone>();
        foreach (var zone in _zones.Values)
        {
            var visit = _visits.GetValueOrDefault(zone.Id);
            var (inside, outside) = Depth(zone, ping.Latitude, ping.Longitude);
            var margin = Math.Max(accuracy, BaseMargin(zone));
            if (visit is { Inside: true })
            {
                if (outside >= margin)
                {
                    exits.Add(zone);
                }
            }
            else
            {
                var inward = zone.Definition.Polygon is null ? Math.Min(margin, zone.Definition.Radius / 2) : margin;
                if (inside >= inward && inside > 0)
                {
                    enters.Add(zone);
                }
            }
        }

        foreach (var zone in exits.OrderBy(z => z.Id))
        {
            var visit = _visits[zone.Id];
            visit.Inside = false;
            events.Add(Make(zone, visit.Count, ActivityTypes.Exit, ping.Timestamp, ping.Latitude, ping.Longitude));
        }

        foreach (var zone in enters.OrderBy(z => z.Id))
        {
            if (!_visits.TryGetValue(zone.Id, out var visit))
            {
                _visits[zone.Id] = visit = new Visit();
            }

            visit.Count++;
            visit.Inside = true;
            visit.EnteredAt = ping.Timestamp;
            visit.DwellFired = false;
            events.Add(Make(zone, visit.Count, ActivityTypes.Enter, ping.Timestamp, ping.Latitude, ping.Longitude));
        }

        foreach (var zone in enters.OrderBy(z => z.Id).Where(z => z.Definition.DwellSeconds == 0))
        {
            var visit = _visits[zone.Id];
            visit.DwellFired = true;
            events.Add(Make(zone, visit.Count, ActivityTypes.Dwell, ping.Timestamp, ping.Latitude, ping.Longitude));
        }
    }

    void Dwells(long now, double? lat, double? lon, List<Event> events)
    {
        var due = _visits
            .Where(v => v.Value.Inside && !v.Value.DwellFired && _zones.TryGetValue(v.Key, out var z) && z.Definition.DwellSeconds is >= 0)
            .Select(v => (Zone: _zones[v.Key], Visit: v.Value, Due: v.Value.EnteredAt + _zones[v.Key].Definition.DwellSeconds!.Value * 1000L))
            .Where(x => x.Due <= now)
            .OrderBy(x => x.Due).ThenBy(x => x.Zone.Id)
            .ToList();
        foreach (var (zone, visit, at) in due)
        {
            visit.DwellFired = true;
            events.Add(Make(zone, visit.Count, ActivityTypes.Dwell, at, lat ?? zone.Definition.Latitude, lon ?? zone.Definition.Longitude));
        }
    }

    /// <summary>Reachable from the last fix; or the fix that makes ConfirmFixes in a row that are each reachable
    /// from the one before but not from the last fix.</summary>
    bool Believable(Ping ping)
    {
        if (_fix is null || Reachable(_fix.Value, ping))
        {
            _candidate = null;
            _track = 0;
            return true;
        }

        _track = _candidate is { } previous && Reachable(previous, ping) ? _track + 1 : 1;
        _candidate = (ping.Latitude, ping.Longitude, ping.Timestamp);
        if (_track < options.ConfirmFixes)
        {
            return false;
        }

        _candidate = null;
        _track = 0;
        return true;
    }

    bool Reachable((double Lat, double Lon, long Time) from, Ping ping)
    {
        var meters = Haversine(from.Lat, from.Lon, ping.Latitude, ping.Longitude);
        var seconds = (ping.Timestamp - from.Time) / 1000.0;
        return seconds <= 0 ? meters < 1 : meters / seconds * 3.6 <= options.MaxSpeedKmh;
    }

    Event Make(Zone zone, int visit, string type, long at, double lat, double lon) =>
        new(ActivityIds.For(userId, zone.Id, visit, type), zone.Id, type, at, lat, lon,
            type == ActivityTypes.Exit
                ? zone.Definition.NotificationOption is "exit" or "both"
                : zone.Definition.NotificationOption is "enter" or "both");

    double BaseMargin(Zone zone)
    {
        var size = zone.Definition.Polygon is null ? zone.Definition.Radius : Math.Sqrt(Area(zone.Definition.Polygon) / Math.PI);
        return Math.Max(options.RadiusMarginFraction * size, options.MinMarginMeters);
    }

    /// <summary>How far the point is inside (positive) and outside (positive) the zone's edge, in metres.</summary>
    static (double Inside, double Outside) Depth(Zone zone, double lat, double lon)
    {
        var d = zone.Definition;
        if (d.Polygon is null)
        {
            var fromCentre = Haversine(d.Latitude, d.Longitude, lat, lon);
            return (d.Radius - fromCentre, fromCentre - d.Radius);
        }

        var toEdge = DistanceToEdges(d.Polygon, lat, lon);
        return RayCastInside(d.Polygon, lat, lon) ? (toEdge, -toEdge) : (-toEdge, toEdge);
    }

    static bool RayCastInside(PolygonCoordinates polygon, double lat, double lon)
    {
        var inside = false;
        foreach (var ring in polygon.Rings)
        {
            for (int i = 0, j = ring.Count - 1; i < ring.Count; j = i++)
            {
                double xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
                if ((yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi)
                {
                    inside = !inside;
                }
            }
        }

        return inside;
    }

    const double R = 6_371_008.8;
    static double Rad(double degrees) => degrees * Math.PI / 180;

    static double Haversine(double lat1, double lon1, double lat2, double lon2)
    {
        var a = Math.Pow(Math.Sin(Rad(lat2 - lat1) / 2), 2)
            + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(Rad(lon2 - lon1) / 2), 2);
        return 2 * R * Math.Atan2(Math.Sqrt(a), Math.Sqrt(1 - a));
    }

    /// <summary>Equirectangular projection around the point, then plain point-segment distances.</summary>
    static double DistanceToEdges(PolygonCoordinates polygon, double lat, double lon)
    {
        var best = double.MaxValue;
        var kx = Rad(1) * R * Math.Cos(Rad(lat));
        var ky = Rad(1) * R;
        foreach (var ring in polygon.Rings)
        {
            for (var i = 0; i + 1 < ring.Count; i++)
            {
                var (x1, y1) = ((ring[i][0] - lon) * kx, (ring[i][1] - lat) * ky);
                var (x2, y2) = ((ring[i + 1][0] - lon) * kx, (ring[i + 1][1] - lat) * ky);
                var (dx, dy) = (x2 - x1, y2 - y1);
                var t = dx == 0 && dy == 0 ? 0 : Math.Clamp(-(x1 * dx + y1 * dy) / (dx * dx + dy * dy), 0, 1);
                best = Math.Min(best, Math.Sqrt(Math.Pow(x1 + t * dx, 2) + Math.Pow(y1 + t * dy, 2)));
            }
        }

        return best;
    }

    /// <summary>Shell minus holes, projected around the centre of the polygon's bounding box.</summary>
    static double Area(PolygonCoordinates polygon)
    {
        var lons = polygon.Rings[0].Select(p => p[0]).ToList();
        var lats = polygon.Rings[0].Select(p => p[1]).ToList();
        var (lon0, lat0) = ((lons.Min() + lons.Max()) / 2, (lats.Min() + lats.Max()) / 2);
        var kx = Rad(1) * R * Math.Cos(Rad(lat0));
        var ky = Rad(1) * R;
        double Shoelace(IReadOnlyList<double[]> ring) => Math.Abs(ring.Zip(ring.Skip(1),
            (a, b) => ((a[0] - lon0) * kx * (b[1] - lat0) * ky) - ((b[0] - lon0) * kx * (a[1] - lat0) * ky)).Sum() / 2);
        return Shoelace(polygon.Rings[0]) - polygon.Rings.Skip(1).Sum(Shoelace);
    }
}
