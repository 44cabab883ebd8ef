using System.Text.Json.Nodes;
using Npgsql;
using static Zones.EndToEndTests.Walk;

namespace Zones.EndToEndTests;

/// <summary>The whole path on real processes: HTTP ping → silo → PostGIS → SignalR (Redis backplane) → client.</summary>
public sealed class PingToNotificationTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    // A circle in Berlin-Mitte and a square polygon 2 km east of it; "away" is far from both.
    const double CircleLat = 52.5200, CircleLon = 13.4050;
    const double SquareLat = 52.5200, SquareLon = 13.4350;
    const double AwayLat = 52.5600, AwayLon = 13.3500;

    static object CircleZone => new
    {
        title = "Office",
        latitude = CircleLat,
        longitude = CircleLon,
        radius = 150,
        icon = "briefcase",
        notificationText = "Welcome to the office",
    };

    static object SquareZone => new
    {
        title = "Park",
        polygon = new
        {
            type = "Polygon",
            coordinates = new[]
            {
                new[]
                {
                    new[] { SquareLon - 0.003, SquareLat - 0.002 }, new[] { SquareLon + 0.003, SquareLat - 0.002 },
                    new[] { SquareLon + 0.003, SquareLat + 0.002 }, new[] { SquareLon - 0.003, SquareLat + 0.002 },
                    new[] { SquareLon - 0.003, SquareLat - 0.002 },
                },
            },
        },
    };

    [Fact]
    public async Task Entering_and_leaving_zones_is_answered_pushed_listed_and_stored()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        var office = await client.CreateZoneAsync(CircleZone);
        var park = await client.CreateZoneAsync(SquareZone);
        await using var hub = await HubListener.ConnectAsync(cluster.ApiUrl, client.AccessToken);

        var answered = new List<JsonNode>();
        foreach (var (minute, lat, lon) in new[]
                 {
                     (0, AwayLat, AwayLon), (10, CircleLat, CircleLon), (20, AwayLat, AwayLon),
                     (30, SquareLat, SquareLon), (40, AwayLat, AwayLon),
                 })
        {
            var report = await client.PostPingsAsync(Ping(minute, lat, lon));
            Assert.Equal(1, report["accepted"]!.GetValue<int>());
            answered.AddRange(Events(report));
        }

        Assert.Equal(["enter:Office", "exit:Office", "enter:Park", "exit:Park"], answered.Select(Describe));
        Assert.Equal(office.ToString(), answered[0]["zoneId"]!.GetValue<string>());
        Assert.Equal(park.ToString(), answered[2]["zoneId"]!.GetValue<string>());
        Assert.Equal("briefcase", answered[0]["icon"]!.GetValue<string>());
        Assert.Equal("Welcome to the office", answered[0]["notificationText"]!.GetValue<string>());

        var pushed = await hub.TakeAsync(4, TimeSpan.FromSeconds(10), cluster);
        Assert.Equal(answered.Select(e => e["id"]!.GetValue<string>()), pushed.Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(answered.Select(e => e["type"]!.GetValue<string>()), pushed.Select(e => e.GetProperty("type").GetString()));

        var listed = await client.GetActivitiesAsync();
        Assert.Equal(answered.Select(e => e["id"]!.GetValue<string>()).Reverse(), listed.Select(e => e!["id"]!.GetValue<string>()));

        await using var db = new NpgsqlConnection(cluster.DatabaseConnectionString);
        await db.OpenAsync();
        await using var stored = new NpgsqlCommand("SELECT id, type FROM activities WHERE user_id = @user ORDER BY timestamp", db);
        stored.Parameters.AddWithValue("user", client.UserId);
        var rows = new List<string>();
        await using (var reader = await stored.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add($"{reader.GetGuid(0)}:{reader.GetString(1)}");
            }
        }

        Assert.Equal(answered.Select(e => $"{e["id"]}:{e["type"]}"), rows);
    }

    [Fact]
    public async Task Operators_see_pings_and_transitions_in_the_prometheus_metrics_of_api_and_silos()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(CircleZone);
        using var http = new HttpClient();
        var entersBefore = await SumAsync(http, cluster.LiveSiloUrls, "zones_activities_total{type=\"enter\"}");

        await client.PostPingsAsync(Ping(0, AwayLat, AwayLon), Ping(10, CircleLat, CircleLon));

        Assert.Equal(entersBefore + 1, await SumAsync(http, cluster.LiveSiloUrls, "zones_activities_total{type=\"enter\"}"));
        Assert.True(await SumAsync(http, cluster.LiveSiloUrls, "zones_activity_batches_total") >= 1);
        Assert.True(await SumAsync(http, [cluster.ApiUrl], "zones_pings_received_total") >= 2);
    }

    /// <summary>The sum over the nodes of one sample of their /metrics (0 where a node has none yet).</summary>
    static async Task<double> SumAsync(HttpClient http, IEnumerable<Uri> nodes, string sample)
    {
        var sum = 0.0;
        foreach (var node in nodes)
        {
            var text = await http.GetStringAsync(new Uri(node, "/metrics"));
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith(sample + " ", StringComparison.Ordinal))
                {
                    sum += double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        return sum;
    }

    [Fact]
    public async Task Pings_sent_over_the_hub_are_answered_like_http_and_pushed()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(CircleZone);
        await using var hub = await HubListener.ConnectAsync(cluster.ApiUrl, client.AccessToken);

        var answer = await hub.InvokeAsync("SendLocations", new { deviceId = "hub-phone", pings = new[] { Ping(10, CircleLat, CircleLon), Ping(0, AwayLat, AwayLon) } });

        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        var enter = Assert.Single(answer.GetProperty("events").EnumerateArray());
        Assert.Equal("enter", enter.GetProperty("type").GetString());
        var pushedEnter = Assert.Single(await hub.TakeAsync(1, TimeSpan.FromSeconds(10), cluster, "the enter of SendLocations"));
        Assert.Equal(enter.GetProperty("id").GetString(), pushedEnter.GetProperty("id").GetString());

        await hub.SendStreamAsync("StreamLocations", Stream(Ping(20, CircleLat, CircleLon), Ping(30, AwayLat, AwayLon)));
        var pushedExit = Assert.Single(await hub.TakeAsync(1, TimeSpan.FromSeconds(10), cluster, "the exit of StreamLocations"));
        Assert.Equal("exit", pushedExit.GetProperty("type").GetString());

        var invalid = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            hub.InvokeAsync("SendLocations", new { pings = new[] { new { latitude = 91.0, longitude = 0.0, timestamp = 1L } } }));
        Assert.Contains("HubException: VALIDATION_ERROR: ", invalid.Message);
        Assert.Contains("pings[0].latitude", invalid.Message);
    }

    static async IAsyncEnumerable<object> Stream(params object[] pings)
    {
        foreach (var ping in pings)
        {
            await Task.Yield();
            yield return ping;
        }
    }

    [Fact]
    public async Task Presence_survives_a_restart_of_every_silo()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(CircleZone);
        var entered = await client.PostPingsAsync(Ping(0, AwayLat, AwayLon), Ping(10, CircleLat, CircleLon));
        Assert.Equal(["enter:Office"], Events(entered).Select(Describe));

        cluster.KillAllSilos();
        await cluster.StartSilosAsync(2);

        var stillInside = await client.PostPingsWhenAvailableAsync(TimeSpan.FromSeconds(90), Ping(20, CircleLat + 0.0002, CircleLon));
        // Accepted, or ignored if an earlier try timed out on the client after the cluster had taken it.
        Assert.Equal(1, stillInside["accepted"]!.GetValue<int>() + stillInside["ignored"]!.GetValue<int>());
        Assert.Empty(Events(stillInside));
        var left = await client.PostPingsAsync(Ping(30, AwayLat, AwayLon));
        Assert.Equal(["exit:Office"], Events(left).Select(Describe));
    }
}
