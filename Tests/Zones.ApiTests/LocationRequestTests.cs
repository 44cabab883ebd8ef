using Zones.Api.Locations;

namespace Zones.ApiTests;

public sealed class LocationRequestTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000);
    private static readonly long T = Now.ToUnixTimeMilliseconds();

    [Fact]
    public void A_valid_batch_is_read_in_the_order_sent()
    {
        var batch = LocationRequests.Parse(Json.Parse($$"""
            {"deviceId":"phone-1","pings":[
              {"latitude":52.5,"longitude":13.4,"accuracy":5,"timestamp":{{T}},"speed":1.5,"heading":90},
              {"latitude":52.6,"longitude":13.5,"timestamp":{{T - 1000}}}]}
            """), Now);

        Assert.Equal("phone-1", batch.DeviceId);
        Assert.Equal(2, batch.Pings.Count);
        Assert.Equal((52.5, 13.4, 5.0, T, 1.5, 90.0), (batch.Pings[0].Latitude, batch.Pings[0].Longitude,
            batch.Pings[0].Accuracy!.Value, batch.Pings[0].Timestamp, batch.Pings[0].Speed!.Value, batch.Pings[0].Heading!.Value));
        Assert.Null(batch.Pings[1].Accuracy);
    }

    [Fact]
    public void Each_bad_ping_field_is_named_by_its_index()
    {
        var details = Json.ValidationDetails(() => LocationRequests.Parse(Json.Parse($$"""
            {"pings":[
              {"latitude":1,"longitude":1,"timestamp":{{T}}},
              {"latitude":1,"longitude":1,"timestamp":{{T}}},
              {"latitude":1,"longitude":1,"timestamp":{{T}}},
              {"latitude":91,"longitude":-181,"accuracy":-1,"timestamp":{{T}},"speed":-2,"heading":361}]}
            """), Now));

        Assert.Equal(
        [
            "pings[3].latitude: must be between -90 and 90",
            "pings[3].longitude: must be between -180 and 180",
            "pings[3].accuracy: must be at least 0",
            "pings[3].speed: must be at least 0",
            "pings[3].heading: must be between 0 and 360",
        ], details);
    }

    [Fact]
    public void A_timestamp_more_than_five_minutes_ahead_is_rejected_but_just_under_is_fine()
    {
        var fiveMinutes = (long)TimeSpan.FromMinutes(5).TotalMilliseconds;
        LocationRequests.Parse(Json.Parse($$"""{"pings":[{"latitude":0,"longitude":0,"timestamp":{{T + fiveMinutes}}}]}"""), Now);

        var details = Json.ValidationDetails(() => LocationRequests.Parse(
            Json.Parse($$"""{"pings":[{"latitude":0,"longitude":0,"timestamp":{{T + fiveMinutes + 1}}}]}"""), Now));

        Assert.Equal(["pings[0].timestamp: must not be more than 5 minutes in the future"], details);
    }

    [Fact]
    public void A_ping_older_than_seven_days_is_rejected_but_one_just_inside_the_horizon_is_fine()
    {
        var sevenDays = (long)TimeSpan.FromDays(7).TotalMilliseconds;
        LocationRequests.Parse(Json.Parse($$"""{"pings":[{"latitude":0,"longitude":0,"timestamp":{{T - sevenDays}}}]}"""), Now);

        var details = Json.ValidationDetails(() => LocationRequests.Parse(Json.Parse($$"""
            {"pings":[{"latitude":0,"longitude":0,"timestamp":{{T}}},{"latitude":0,"longitude":0,"timestamp":{{T - sevenDays - 1}}}]}
            """), Now));

        Assert.Equal(["pings[1].timestamp: must not be more than 7 days in the past"], details);
    }

    [Fact]
    public void The_ping_age_horizon_follows_the_configured_bound()
    {
        var window = PingWindow.At(Now, TimeSpan.FromHours(6));
        var body = $$"""{"pings":[{"latitude":0,"longitude":0,"timestamp":{{T - (long)TimeSpan.FromHours(7).TotalMilliseconds}}}]}""";

        Assert.Equal(["pings[0].timestamp: must not be more than 6 hours in the past"],
            Json.ValidationDetails(() => LocationRequests.Parse(Json.Parse(body), window)));
    }

    [Theory]
    [InlineData("0", "pings[0].timestamp: must be between 1 and 9223372036854775807")]
    [InlineData("1.5", "pings[0].timestamp: must be an integer")]
    [InlineData("\"1750000000000\"", "pings[0].timestamp: must be an integer")]
    public void Timestamps_must_be_positive_integers(string timestamp, string expected) =>
        Assert.Equal([expected], Json.ValidationDetails(() => LocationRequests.Parse(
            Json.Parse($$"""{"pings":[{"latitude":0,"longitude":0,"timestamp":{{timestamp}}}]}"""), Now)));

    [Fact]
    public void Missing_ping_fields_are_required()
    {
        var details = Json.ValidationDetails(() => LocationRequests.Parse(Json.Parse("""{"pings":[{}]}"""), Now));
        Assert.Equal(["pings[0].latitude: is required", "pings[0].longitude: is required", "pings[0].timestamp: is required"], details);
    }

    [Theory]
    [InlineData("""{"pings":[]}""", "pings")]
    [InlineData("""{}""", "pings")]
    [InlineData("""{"pings":{}}""", "pings")]
    [InlineData("""{"pings":[1]}""", "pings[0]")]
    [InlineData("""{"deviceId":7,"pings":[{"latitude":0,"longitude":0,"timestamp":1750000000000}]}""", "deviceId")]
    public void Malformed_batches_name_the_field(string body, string field) =>
        Assert.Equal([field], Json.Fields(() => LocationRequests.Parse(Json.Parse(body), Now)));

    [Fact]
    public void A_thousand_pings_fit_and_a_thousand_and_one_do_not()
    {
        static string Batch(int n) => "{\"pings\":[" + string.Join(',', Enumerable.Range(1, n)
            .Select(i => $"{{\"latitude\":0,\"longitude\":0,\"timestamp\":{T - i}}}")) + "]}";

        Assert.Equal(1000, LocationRequests.Parse(Json.Parse(Batch(1000)), Now).Pings.Count);
        Assert.Equal(["pings"], Json.Fields(() => LocationRequests.Parse(Json.Parse(Batch(1001)), Now)));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(Batch(1000)) < Zones.Api.Infrastructure.JsonBody.MaxBytes / 4);
    }
}
