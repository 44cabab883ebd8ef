using Zones.Errors;
using Zones.Geofencing;
using static Zones.UnitTests.TestZones;

namespace Zones.UnitTests;

public sealed class ValidationTests
{
    static IReadOnlyList<ErrorDetail> Reject(ZoneDefinition definition)
    {
        var error = Assert.Throws<DomainValidationException>(() => GeofenceEngine.Validate(definition));
        Assert.Equal(ErrorCodes.Validation, error.Code);
        Assert.NotEmpty(error.Details);
        return error.Details;
    }

    static ZoneDefinition Polygon(params IReadOnlyList<double[]>[] rings) => PolygonDefinition(rings);

    static List<double[]> Positions(params (double Lon, double Lat)[] points) => [.. points.Select(p => new[] { p.Lon, p.Lat })];

    [Fact]
    public void A_circle_and_a_polygon_with_a_hole_are_valid()
    {
        GeofenceEngine.Validate(CircleDefinition(0, 0, 200, dwellSeconds: 0));
        GeofenceEngine.Validate(Polygon(Square(0, 0, 500), Square(0, 0, 100)));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(50_001)]
    [InlineData(double.NaN)]
    public void A_circle_radius_outside_1_to_50000_metres_is_rejected(double radius)
    {
        var detail = Assert.Single(Reject(CircleDefinition(0, 0, 200) with { Radius = radius }));
        Assert.Equal("radius", detail.Field);
    }

    [Fact]
    public void Out_of_range_centre_negative_dwell_and_unknown_option_are_each_reported()
    {
        var details = Reject(CircleDefinition(0, 0, 200) with
        {
            Latitude = 91, Longitude = double.PositiveInfinity, DwellSeconds = -1, NotificationOption = "sometimes",
        });

        Assert.Equal(["latitude", "longitude", "dwellSeconds", "notificationOption"], details.Select(d => d.Field));
    }

    [Fact]
    public void A_dwell_longer_than_seven_days_is_rejected()
    {
        GeofenceEngine.Validate(CircleDefinition(0, 0, 200) with { DwellSeconds = ZoneLimits.MaxDwellSeconds });

        var detail = Assert.Single(Reject(CircleDefinition(0, 0, 200) with { DwellSeconds = ZoneLimits.MaxDwellSeconds + 1 }));

        Assert.Equal(("dwellSeconds", "must be between 0 and 604800 (7 days)"), (detail.Field, detail.Reason));
    }

    [Fact]
    public void An_unclosed_ring_is_rejected_with_the_ring_named()
    {
        var open = Positions((13.40, 52.50), (13.41, 52.50), (13.41, 52.51), (13.40, 52.51));

        var detail = Assert.Single(Reject(Polygon(open)));

        Assert.Equal("polygon.coordinates[0]", detail.Field);
        Assert.Contains("closed", detail.Reason);
    }

    [Fact]
    public void A_ring_of_fewer_than_4_positions_is_rejected()
    {
        var tiny = Positions((13.40, 52.50), (13.41, 52.50), (13.40, 52.50));

        var detail = Assert.Single(Reject(Polygon(Square(0, 0, 500), tiny)));

        Assert.Equal("polygon.coordinates[1]", detail.Field);
        Assert.Contains("at least 4 positions", detail.Reason);
    }

    [Fact]
    public void More_than_1000_vertices_are_rejected()
    {
        var ring = new List<double[]>();
        for (var i = 0; i < 1_001; i++)
        {
            var angle = 2 * Math.PI * i / 1_001;
            ring.Add([13.4 + 0.01 * Math.Cos(angle), 52.5 + 0.01 * Math.Sin(angle)]);
        }

        ring.Add(ring[0]);

        var detail = Assert.Single(Reject(Polygon(ring)));

        Assert.Equal("polygon.coordinates", detail.Field);
        Assert.Contains("1001 vertices", detail.Reason);
    }

    [Fact]
    public void Exactly_1000_vertices_are_accepted()
    {
        var ring = new List<double[]>();
        for (var i = 0; i < 1_000; i++)
        {
            var angle = 2 * Math.PI * i / 1_000;
            ring.Add([13.4 + 0.01 * Math.Cos(angle), 52.5 + 0.01 * Math.Sin(angle)]);
        }

        ring.Add(ring[0]);
        GeofenceEngine.Validate(Polygon(ring));
    }

    [Fact]
    public void Out_of_range_and_non_finite_positions_are_rejected_with_their_index()
    {
        var ring = Positions((13.40, 52.50), (181, 52.50), (13.41, double.NaN), (13.40, 52.51), (13.40, 52.50));

        var details = Reject(Polygon(ring));

        Assert.Equal(["polygon.coordinates[0][1]", "polygon.coordinates[0][2]"], details.Select(d => d.Field));
    }

    [Fact]
    public void A_self_intersecting_polygon_is_rejected_with_the_reason()
    {
        var bowTie = Positions((13.40, 52.50), (13.41, 52.51), (13.41, 52.50), (13.40, 52.51), (13.40, 52.50));

        var detail = Assert.Single(Reject(Polygon(bowTie)));

        Assert.Equal("polygon.coordinates[0]", detail.Field);
        Assert.Contains("Self-intersection", detail.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_hole_outside_the_shell_is_rejected()
    {
        var detail = Assert.Single(Reject(Polygon(Square(0, 0, 100), Square(0, 1_000, 50))));

        Assert.Equal("polygon.coordinates[1]", detail.Field);
        Assert.Contains("outside the shell", detail.Reason);
    }

    [Fact]
    public void Overlapping_holes_are_rejected()
    {
        var detail = Assert.Single(Reject(Polygon(Square(0, 0, 500), Square(0, 0, 100), Square(0, 50, 100))));

        Assert.Equal("polygon.coordinates", detail.Field);
        Assert.Contains("not valid", detail.Reason);
    }

    [Fact]
    public void A_polygon_without_rings_is_rejected()
    {
        var detail = Assert.Single(Reject(PolygonDefinition([Square(0, 0, 10)]) with { Polygon = new PolygonCoordinates([]) }));

        Assert.Equal("polygon.coordinates", detail.Field);
    }
}
