using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using static Zones.EndToEndTests.Walk;

namespace Zones.EndToEndTests;

/// <summary>Redis and PostgreSQL going away under a running deployment, and coming back (issue 8, items 5 and 6).</summary>
public sealed class OutageTests(OutageCluster cluster) : IClassFixture<OutageCluster>
{
    const double InLat = 52.5200, InLon = 13.4050;
    const double OutLat = 52.5600, OutLon = 13.3500;

    static readonly TimeSpan FailFast = TimeSpan.FromSeconds(5);

    static object Office => new { title = "Office", latitude = InLat, longitude = InLon, radius = 150 };

    int _minute;

    object Next(bool inside) => Ping(_minute += 2, inside ? InLat : OutLat, inside ? InLon : OutLon);

    [Fact]
    public async Task A_Redis_outage_keeps_pings_stored_reports_degraded_health_and_live_delivery_resumes()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        await client.CreateZoneAsync(Office);
        await using var hub = await HubListener.ConnectAsync(cluster.ApiUrl, client.AccessToken);
        await client.PostPingsAsync(Next(inside: false));
        await client.PostPingsAsync(Next(inside: true));
        await hub.TakeAsync(1, TimeSpan.FromSeconds(10), cluster, "the enter before the outage");

        await cluster.StopRedisAsync();
        var health = await HealthWhenAsync(cluster.ApiUrl, h => Check(h, "redis") == "failed");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "degraded", "ok"), (health.Status, health.Body["status"]!.GetValue<string>(), Check(health, "cluster")));
        // A shared dependency's outage must not take every node out of the balancer.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(cluster.ApiUrl, "/health/ready")).Status);
        var siloHealth = await HealthWhenAsync(cluster.LiveSiloUrls[0], h => Check(h, "redis") == "failed");
        Assert.Equal("degraded", siloHealth.Body["status"]!.GetValue<string>());

        var during = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            foreach (var inside in new[] { false, true })
            {
                var watch = Stopwatch.StartNew();
                during.AddRange(Events(await client.PostPingsAsync(Next(inside))).Select(e => e["id"]!.GetValue<string>()));
                Assert.True(watch.Elapsed < FailFast, $"a ping took {watch.Elapsed} while Redis was down");
            }
        }

        Assert.Equal(6, during.Count);
        var stored = (await client.GetActivitiesAsync()).Select(e => e!["id"]!.GetValue<string>()).ToHashSet();
        Assert.Subset(stored, during.ToHashSet());

        await cluster.StartRedisAsync();
        await HealthWhenAsync(cluster.ApiUrl, h => h.Status == HttpStatusCode.OK);
        await HealthWhenAsync(cluster.LiveSiloUrls[0], h => h.Status == HttpStatusCode.OK);

        // Live delivery resumes: an event pushed after Redis returned reaches the listener that stayed connected.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var answered = new HashSet<string>();
        while (true)
        {
            foreach (var inside in new[] { false, true })
            {
                answered.UnionWith(Events(await client.PostPingsAsync(Next(inside))).Select(e => e["id"]!.GetValue<string>()));
            }

            if (await hub.NextAsync(TimeSpan.FromSeconds(2)) is { } pushed && answered.Contains(pushed.GetProperty("id").GetString()!))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no event reached the hub within 30 s of Redis' return\n{cluster.Logs()}");
        }

        var metrics = (await GetAsync(cluster.LiveSiloUrls[0], "/metrics")).Text;
        Assert.Contains("zones_publish_failures", metrics);
    }

    [Fact]
    public async Task A_PostgreSQL_outage_fails_fast_keeps_quiet_pings_and_recovers_without_duplicates()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        var office = await client.CreateZoneAsync(Office);
        await client.PostPingsAsync(Next(inside: false));

        await cluster.StopPostgresAsync();
        try
        {
            // An active user's quiet ping needs no storage: still evaluated and answered.
            var watch = Stopwatch.StartNew();
            var quiet = await client.PostPingsAsync(Next(inside: false));
            Assert.Equal((1, 0), (quiet["accepted"]!.GetValue<int>(), Events(quiet).Count));
            Assert.True(watch.Elapsed < FailFast, $"a quiet ping took {watch.Elapsed}");

            // A crossing cannot be acknowledged without storage: 503 UNAVAILABLE, fast.
            var crossing = Next(inside: true);
            await AssertUnavailableFastAsync(() => client.SendRawAsync(HttpMethod.Post, "/api/v1/locations",
                new { deviceId = "e2e-phone", pings = new[] { crossing } }));
            await AssertUnavailableFastAsync(() => client.SendRawAsync(HttpMethod.Get, "/api/v1/activities", null));
            using var newcomer = new ZonesClient(cluster.ApiUrl);
            await AssertUnavailableFastAsync(() => newcomer.SendRawAsync(HttpMethod.Post, "/api/v1/auth/register",
                new { email = $"late-{Guid.NewGuid():N}@zones-e2e.test", password = "correct horse battery", username = $"late_{Guid.NewGuid():N}"[..15], name = "Late" }));

            var health = await HealthWhenAsync(cluster.ApiUrl, h => Check(h, "database") == "failed");
            Assert.Equal("degraded", health.Body["status"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(cluster.ApiUrl, "/health/ready")).Status);

            await cluster.StartPostgresAsync();

            // The client resends the crossing it never got acknowledged: the transition happens exactly once.
            var resent = await client.PostPingsWhenAvailableAsync(TimeSpan.FromSeconds(60), crossing);
            var answered = Events(resent).Select(Describe).ToList();
            Assert.True(answered.SequenceEqual(["enter:Office"]),
                $"the resent crossing answered [{string.Join(", ", answered)}] ({resent.ToJsonString()}), not [enter:Office]\n{cluster.Logs(80)}");
            var again = await client.PostPingsAsync(crossing);
            Assert.Empty(Events(again));
        }
        finally
        {
            await cluster.StartPostgresAsync();
        }

        await HealthWhenAsync(cluster.ApiUrl, h => h.Status == HttpStatusCode.OK);
        await using var db = new NpgsqlConnection(cluster.DatabaseConnectionString);
        await db.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM activities WHERE user_id = @user AND zone_id = @zone", db);
        count.Parameters.AddWithValue("user", client.UserId);
        count.Parameters.AddWithValue("zone", office);
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }

    static async Task AssertUnavailableFastAsync(Func<Task<(HttpStatusCode Status, JsonNode Envelope)>> send)
    {
        var watch = Stopwatch.StartNew();
        var (status, envelope) = await send();
        Assert.True(watch.Elapsed < FailFast, $"took {watch.Elapsed} to fail");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("UNAVAILABLE", envelope["error"]!["code"]!.GetValue<string>());
    }

    static string? Check((HttpStatusCode Status, JsonNode Body, string Text) health, string name) =>
        health.Body["checks"]?[name]?["status"]?.GetValue<string>();

    /// <summary>Polls /health until <paramref name="condition"/> holds (health checks and reconnects take a few
    /// seconds); fails with the last answer after 30 s.</summary>
    async Task<(HttpStatusCode Status, JsonNode Body, string Text)> HealthWhenAsync(Uri node,
        Func<(HttpStatusCode Status, JsonNode Body, string Text), bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var health = await GetAsync(node, "/health");
            if (condition(health))
            {
                return health;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{node}health is still {health.Text}\n{cluster.Logs()}");
            await Task.Delay(250);
        }
    }

    static async Task<(HttpStatusCode Status, JsonNode Body, string Text)> GetAsync(Uri node, string path)
    {
        using var http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, path.StartsWith("/health") ? JsonNode.Parse(text)! : new JsonObject(), text);
    }
}
