using System.Text.Json;
using Zones.Accounts;
using Zones.Api.Infrastructure;
using Zones.Api.Zones;
using Zones.Geofencing;

namespace Zones.ApiTests;

public sealed class ZoneRequestTests
{
    private const string Square = """{"type":"Polygon","coordinates":[[[13.0,52.0],[13.1,52.0],[13.1,52.1],[13.0,52.1],[13.0,52.0]]]}""";

    [Fact]
    public void A_circle_gets_the_contract_defaults()
    {
        var zone = ZoneRequests.Parse(Json.Parse("""{"title":" Home ","latitude":52.5,"longitude":13.4}"""));

        Assert.Equal(("Home", 52.5, 13.4, 200.0), (zone.Title, zone.Latitude, zone.Longitude, zone.Radius));
        Assert.Equal(("both", "You have entered the zone"), (zone.NotificationOption, zone.NotificationText));
        Assert.Null(zone.Polygon);
        Assert.Null(zone.DwellSeconds);
    }

    [Fact]
    public void A_circle_needs_its_centre_and_a_title()
    {
        Assert.Equal(["title", "latitude", "longitude"], Json.Fields(() => ZoneRequests.Parse(Json.Parse("{}"))));
    }

    [Theory]
    [InlineData("radius", "0")]
    [InlineData("radius", "50001")]
    [InlineData("latitude", "-90.5")]
    [InlineData("longitude", "180.1")]
    [InlineData("notificationOption", "\"always\"")]
    [InlineData("dwellSeconds", "-1")]
    [InlineData("dwellSeconds", "1.5")]
    [InlineData("dwellSeconds", "604801")]
    [InlineData("dwellSeconds", "4294967296")]
    [InlineData("notificationText", "\"\"")]
    [InlineData("color", "5")]
    public void Out_of_range_zone_fields_are_named(string field, string value)
    {
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"title":"t","latitude":1,"longitude":1}""")!;
        body[field] = Json.Parse(value);
        Assert.Equal([field], Json.Fields(() => ZoneRequests.Parse(Json.Parse(JsonSerializer.Serialize(body)))));
    }

    [Fact]
    public void A_dwell_of_seven_days_is_the_longest_accepted()
    {
        Assert.Equal(604_800, ZoneRequests.Parse(Json.Parse("""{"title":"t","latitude":1,"longitude":1,"dwellSeconds":604800}""")).DwellSeconds);
        Assert.Equal(["dwellSeconds: must be between 0 and 604800"], Json.ValidationDetails(() => ZoneRequests.Parse(
            Json.Parse("""{"title":"t","latitude":1,"longitude":1,"dwellSeconds":604801}"""))));
    }

    [Fact]
    public void A_title_over_100_characters_is_rejected() =>
        Assert.Equal(["title"], Json.Fields(() => ZoneRequests.Parse(Json.Parse(
            $$"""{"title":"{{new string('t', 101)}}","latitude":1,"longitude":1}"""))));

    [Fact]
    public void A_polygon_without_coordinates_of_its_own_gets_a_label_point_inside()
    {
        var zone = ZoneRequests.Parse(Json.Parse($$"""{"title":"Park","polygon":{{Square}}}"""));

        Assert.NotNull(zone.Polygon);
        Assert.Equal(5, zone.Polygon.Rings[0].Count);
        Assert.Equal(52.05, zone.Latitude, 9);
        Assert.Equal(13.05, zone.Longitude, 9);
    }

    [Fact]
    public void A_label_point_given_inside_the_polygon_is_kept_and_one_outside_is_rejected()
    {
        var inside = ZoneRequests.Parse(Json.Parse($$"""{"title":"P","latitude":52.01,"longitude":13.01,"polygon":{{Square}}}"""));
        Assert.Equal((52.01, 13.01), (inside.Latitude, inside.Longitude));

        Assert.Equal(["latitude"], Json.Fields(() => ZoneRequests.Parse(Json.Parse(
            $$"""{"title":"P","latitude":10,"longitude":10,"polygon":{{Square}}}"""))));
    }

    [Theory]
    [InlineData("""{"type":"Point","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}""", "polygon.type")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}""", "polygon.coordinates[0]")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}""", "polygon.coordinates[0]")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[2,0],[0,0]]]}""", "polygon.coordinates[0]")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,91],[0,0]]]}""", "polygon.coordinates[0][2][1]")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],["a",1],[0,0]]]}""", "polygon.coordinates[0][2]")]
    [InlineData("""{"type":"Polygon","coordinates":[]}""", "polygon.coordinates")]
    [InlineData("""{"type":"Polygon"}""", "polygon.coordinates")]
    [InlineData("""[1,2]""", "polygon")]
    public void Malformed_polygons_name_the_broken_part(string polygon, string field) =>
        Assert.Equal([field], Json.Fields(() => ZoneRequests.Parse(Json.Parse($$"""{"title":"P","polygon":{{polygon}}}"""))));

    [Fact]
    public void A_polygon_may_have_a_thousand_vertices_but_not_more()
    {
        static string Circle(int n) => "{\"type\":\"Polygon\",\"coordinates\":[[" + string.Join(',',
            Enumerable.Range(0, n + 1).Select(i => i % n).Select(i =>
                FormattableString.Invariant($"[{Math.Cos(2 * Math.PI * i / n)},{Math.Sin(2 * Math.PI * i / n)}]"))) + "]]}";

        Assert.Equal(1001, ZoneRequests.Parse(Json.Parse($$"""{"title":"P","polygon":{{Circle(1000)}}}""")).Polygon!.Rings[0].Count);
        Assert.StartsWith("polygon.coordinates", Assert.Single(Json.Fields(() => ZoneRequests.Parse(Json.Parse($$"""{"title":"P","polygon":{{Circle(1001)}}}""")))));
    }

    [Fact]
    public void Zone_json_has_the_contract_shape()
    {
        var definition = ZoneRequests.Parse(Json.Parse($$"""{"title":"Park","polygon":{{Square}},"dwellSeconds":60}"""));
        var zone = new Zone(Guid.NewGuid(), Guid.NewGuid(), definition, null, 1000, 2000);

        var json = Json.Parse(JsonSerializer.Serialize(ZoneDto.From(zone), ZonesJson.Options));

        Assert.Equal(
            ["id", "title", "address", "location", "latitude", "longitude", "radius", "polygon", "icon", "color", "description",
             "notificationOption", "notificationText", "dwellSeconds", "imageUrl", "createdAt", "updatedAt"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Point", json.GetProperty("location").GetProperty("type").GetString());
        Assert.Equal(13.05, json.GetProperty("location").GetProperty("coordinates")[0].GetDouble(), 9);
        Assert.Equal("Polygon", json.GetProperty("polygon").GetProperty("type").GetString());
        Assert.Equal(13.1, json.GetProperty("polygon").GetProperty("coordinates")[0][1][0].GetDouble());
        Assert.Equal(2000, json.GetProperty("updatedAt").GetInt64());
    }

    [Fact]
    public void A_circle_zone_has_a_null_polygon_in_json()
    {
        var zone = new Zone(Guid.NewGuid(), Guid.NewGuid(),
            ZoneRequests.Parse(Json.Parse("""{"title":"t","latitude":1,"longitude":2}""")), null, 1, 1);
        var json = Json.Parse(JsonSerializer.Serialize(ZoneDto.From(zone), ZonesJson.Options));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("polygon").ValueKind);
        Assert.Equal(200, json.GetProperty("radius").GetDouble());
    }

    [Fact]
    public void User_json_has_the_contract_fields()
    {
        var user = new UserProfile(Guid.NewGuid(), "a@b.io", "abc", "A", null, null, null, null, 3, "user", 1, 2);
        var json = Json.Parse(JsonSerializer.Serialize(Zones.Api.Auth.UserDto.From(user), ZonesJson.Options));
        Assert.Equal(["id", "email", "username", "name", "bio", "profileImageUrl", "phone", "gender", "streak", "role", "createdAt", "updatedAt"],
            json.EnumerateObject().Select(p => p.Name));
    }
}

public sealed class PolygonGeometryTests
{
    [Fact]
    public void Label_point_of_a_concave_shape_lies_inside_it()
    {
        // A "C": its area centroid falls in the notch, outside the shape.
        IReadOnlyList<IReadOnlyList<double[]>> c =
        [[
            [0, 0], [10, 0], [10, 2], [2, 2], [2, 8], [10, 8], [10, 10], [0, 10], [0, 0],
        ]];

        var label = PolygonGeometry.LabelPoint(c);

        Assert.True(PolygonGeometry.Contains(c, label[0], label[1]), $"({label[0]}, {label[1]}) is outside");
    }

    [Fact]
    public void Label_point_avoids_a_hole_over_the_centroid()
    {
        IReadOnlyList<IReadOnlyList<double[]>> donut =
        [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[3, 3], [7, 3], [7, 7], [3, 7], [3, 3]],
        ];

        var label = PolygonGeometry.LabelPoint(donut);

        Assert.True(PolygonGeometry.Contains(donut, label[0], label[1]), $"({label[0]}, {label[1]}) is outside");
        Assert.False(PolygonGeometry.Contains(donut, 5, 5));
    }
}
