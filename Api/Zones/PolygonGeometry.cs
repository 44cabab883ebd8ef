namespace Zones.Api.Zones;

/// <summary>Planar helpers over GeoJSON rings ([lon, lat] positions, closed). Planar is good enough for
/// what the edge needs them for (a label point, a sanity check); containment of pings is the grain's,
/// done properly with NetTopologySuite. Rings crossing the antimeridian are not handled here.</summary>
public static class PolygonGeometry
{
    /// <summary>Twice the signed area of a closed ring (shoelace); zero for a degenerate ring.</summary>
    public static double DoubleSignedArea(IReadOnlyList<double[]> ring)
    {
        double sum = 0;
        for (var i = 0; i < ring.Count - 1; i++)
        {
            sum += (ring[i][0] * ring[i + 1][1]) - (ring[i + 1][0] * ring[i][1]);
        }

        return sum;
    }

    /// <summary>Whether (x, y) is inside the polygon: inside the shell and outside every hole (ray casting).</summary>
    public static bool Contains(IReadOnlyList<IReadOnlyList<double[]>> rings, double x, double y)
    {
        if (!RingContains(rings[0], x, y))
        {
            return false;
        }

        for (var i = 1; i < rings.Count; i++)
        {
            if (RingContains(rings[i], x, y))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A point inside the polygon, as [lon, lat], to label it (API.md: a polygon zone's
    /// latitude/longitude "hold a label point inside it").
    /// 1. The shell's area centroid, when it is inside (convex and most everyday shapes).
    /// 2. Else a scan line: for horizontal lines halfway between consecutive distinct vertex latitudes (so a
    ///    line never passes through a vertex), cut the polygon's edges, pair the crossings into inside
    ///    intervals, and take the middle of the widest interval found. The middle of an inside interval is
    ///    inside, so this always succeeds for a polygon with area.</summary>
    public static double[] LabelPoint(IReadOnlyList<IReadOnlyList<double[]>> rings)
    {
        var shell = rings[0];
        if (Centroid(shell) is { } centroid && Contains(rings, centroid[0], centroid[1]))
        {
            return centroid;
        }

        var latitudes = rings.SelectMany(r => r).Select(p => p[1]).Distinct().Order().ToArray();
        double[]? best = null;
        var bestWidth = -1.0;
        var crossings = new List<double>();
        for (var i = 0; i < latitudes.Length - 1; i++)
        {
            var y = (latitudes[i] + latitudes[i + 1]) / 2;
            crossings.Clear();
            foreach (var ring in rings)
            {
                for (var j = 0; j < ring.Count - 1; j++)
                {
                    var (x1, y1, x2, y2) = (ring[j][0], ring[j][1], ring[j + 1][0], ring[j + 1][1]);
                    if ((y1 > y) != (y2 > y))
                    {
                        crossings.Add(x1 + ((y - y1) / (y2 - y1) * (x2 - x1)));
                    }
                }
            }

            crossings.Sort();
            for (var k = 0; k + 1 < crossings.Count; k += 2)
            {
                var width = crossings[k + 1] - crossings[k];
                if (width > bestWidth)
                {
                    bestWidth = width;
                    best = [(crossings[k] + crossings[k + 1]) / 2, y];
                }
            }
        }

        // Only a polygon without area gets here, and validation rejects those first.
        return best ?? [shell[0][0], shell[0][1]];
    }

    private static double[]? Centroid(IReadOnlyList<double[]> ring)
    {
        double area2 = 0, cx = 0, cy = 0;
        for (var i = 0; i < ring.Count - 1; i++)
        {
            var cross = (ring[i][0] * ring[i + 1][1]) - (ring[i + 1][0] * ring[i][1]);
            area2 += cross;
            cx += (ring[i][0] + ring[i + 1][0]) * cross;
            cy += (ring[i][1] + ring[i + 1][1]) * cross;
        }

        return area2 == 0 ? null : [cx / (3 * area2), cy / (3 * area2)];
    }

    private static bool RingContains(IReadOnlyList<double[]> ring, double x, double y)
    {
        var inside = false;
        for (int i = 0, j = ring.Count - 1; i < ring.Count; j = i++)
        {
            var (xi, yi, xj, yj) = (ring[i][0], ring[i][1], ring[j][0], ring[j][1]);
            if ((yi > y) != (yj > y) && x < ((xj - xi) * (y - yi) / (yj - yi)) + xi)
            {
                inside = !inside;
            }
        }

        return inside;
    }
}
