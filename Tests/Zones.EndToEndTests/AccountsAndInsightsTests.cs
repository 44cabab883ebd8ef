using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using static Zones.EndToEndTests.Walk;

namespace Zones.EndToEndTests;

/// <summary>Sessions, the caller's account, nearby search and statistics on real processes: two silos, PostgreSQL +
/// PostGIS, Redis, and (for revocation) two Api nodes.</summary>
public sealed class AccountsAndInsightsTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    static readonly HttpMethod Post = HttpMethod.Post;

    [Fact]
    public void No_node_port_listens_on_all_interfaces()
    {
        var listening = ListeningSockets();

        var open = listening.Where(s => cluster.NodePorts.Contains(s.Port) && s.AnyAddress).ToList();
        Assert.True(open.Count == 0, $"listening on all interfaces: {string.Join(", ", open)}");
        Assert.All(cluster.OrleansPorts, port => Assert.Contains(listening, s => s.Port == port));
    }

    /// <summary>The TCP sockets in LISTEN state on this machine, from the kernel's tables.</summary>
    static List<(int Port, bool AnyAddress)> ListeningSockets()
    {
        const string Listen = "0A";
        var sockets = new List<(int, bool)>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 4 || fields[3] != Listen)
                {
                    continue;
                }

                var (address, port) = (fields[1][..fields[1].IndexOf(':')], fields[1][(fields[1].IndexOf(':') + 1)..]);
                sockets.Add((Convert.ToInt32(port, 16), address.All(c => c == '0')));
            }
        }

        Assert.NotEmpty(sockets);
        return sockets;
    }

    /// <summary>The only test here that logs in: the failures it makes also use up loopback's per-address figure.</summary>
    [Fact]
    public async Task The_sixth_failed_login_is_429_with_retry_after_while_earlier_successes_were_not_counted()
    {
        var email = $"guess-{Guid.NewGuid():N}@example.test";
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync(email);
        using var http = new HttpClient { BaseAddress = cluster.ApiUrl };
        Task<HttpResponseMessage> LoginAsync(string password) =>
            http.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        for (var i = 0; i < 3; i++)
        {
            using var success = await LoginAsync("correct horse battery");
            Assert.Equal(HttpStatusCode.OK, success.StatusCode);
        }

        for (var i = 0; i < 5; i++)
        {
            using var failure = await LoginAsync("wrong horse battery");
            Assert.Equal(HttpStatusCode.Unauthorized, failure.StatusCode);
        }

        using var refused = await LoginAsync("wrong horse battery");
        using var rightPassword = await LoginAsync("correct horse battery");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 850, 900);
        var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("RATE_LIMITED", error["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.TooManyRequests, rightPassword.StatusCode);
    }

    [Fact]
    public async Task Refresh_rotates_and_a_replayed_token_ends_the_session_while_logout_ends_another()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        var first = client.RefreshToken;

        await client.RefreshAsync();
        var (meStatus, _) = await client.SendRawAsync(HttpMethod.Get, "/api/v1/users/me", null);
        var (replayStatus, replay) = await client.SendRawAsync(Post, "/api/v1/auth/refresh", new { refreshToken = first });
        var (successorStatus, _) = await client.SendRawAsync(Post, "/api/v1/auth/refresh", new { refreshToken = client.RefreshToken });

        Assert.NotEqual(first, client.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, meStatus);
        Assert.Equal(HttpStatusCode.Unauthorized, replayStatus);
        Assert.Equal("UNAUTHORIZED", replay["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, successorStatus);

        using var other = new ZonesClient(cluster.ApiUrl);
        await other.RegisterAsync();
        var (logoutStatus, _) = await other.SendRawAsync(Post, "/api/v1/auth/logout", new { refreshToken = other.RefreshToken });
        var (afterLogout, _) = await other.SendRawAsync(Post, "/api/v1/auth/refresh", new { refreshToken = other.RefreshToken });
        Assert.Equal(HttpStatusCode.NoContent, logoutStatus);
        Assert.Equal(HttpStatusCode.Unauthorized, afterLogout);
    }

    [Fact]
    public async Task A_zone_image_uploaded_on_one_node_is_stored_on_the_zone_and_served_by_another()
    {
        // A 1x1 PNG, sent as if it were a JPEG: the content decides.
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        var zoneId = await client.CreateZoneAsync(new { title = "Park", latitude = 52.5, longitude = 13.4, radius = 100 });
        using var stranger = new ZonesClient(cluster.ApiUrl);
        await stranger.RegisterAsync();

        var (status, envelope) = await client.UploadAsync($"/api/v1/zones/{zoneId}/image", png, "park.jpg", "image/jpeg");
        var (strangerStatus, _) = await stranger.UploadAsync($"/api/v1/zones/{zoneId}/image", png, "park.png", "image/png");
        var (profileStatus, profile) = await client.UploadAsync("/api/v1/users/me/image", png, "me.png", "image/png");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.NotFound, strangerStatus);
        Assert.Equal(HttpStatusCode.OK, profileStatus);
        var imageUrl = envelope["data"]!["imageUrl"]!.GetValue<string>();
        var listed = await client.SendRawAsync(HttpMethod.Get, "/api/v1/zones", null);
        Assert.Equal(imageUrl, listed.Envelope["data"]![0]!["imageUrl"]!.GetValue<string>());
        var me = await client.SendRawAsync(HttpMethod.Get, "/api/v1/users/me", null);
        Assert.Equal(profile["data"]!["profileImageUrl"]!.GetValue<string>(), me.Envelope["data"]!["profileImageUrl"]!.GetValue<string>());

        using var elsewhere = new ZonesClient(await cluster.StartApiAsync());
        var served = await elsewhere.GetBytesAsync(imageUrl);
        Assert.Equal(HttpStatusCode.OK, served.Status);
        Assert.Equal("image/webp", served.ContentType);
        Assert.Contains("immutable", served.CacheControl);
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(served.Content, 8, 4));
    }

    [Fact]
    public async Task Deleting_the_account_on_one_node_voids_its_token_on_another_within_seconds_and_keeps_its_zones()
    {
        var secondNode = await cluster.StartApiAsync();
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        var zoneId = await client.CreateZoneAsync(new { title = "Home", latitude = 52.5, longitude = 13.4, radius = 100 });
        using var elsewhere = client.On(secondNode);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.SendRawAsync(HttpMethod.Get, "/api/v1/users/me", null)).Status);

        var (deleteStatus, _) = await client.SendRawAsync(HttpMethod.Delete, "/api/v1/users/me", null);
        var sameNode = await client.SendRawAsync(HttpMethod.Get, "/api/v1/zones", null);
        var otherNode = await Eventually(() => elsewhere.SendRawAsync(HttpMethod.Get, "/api/v1/zones", null),
            r => r.Status == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(5));
        var (refreshStatus, _) = await client.SendRawAsync(Post, "/api/v1/auth/refresh", new { refreshToken = client.RefreshToken });

        Assert.Equal(HttpStatusCode.NoContent, deleteStatus);
        Assert.Equal(HttpStatusCode.Unauthorized, sameNode.Status);
        Assert.Equal("The access token has been revoked", otherNode.Envelope["error"]!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, refreshStatus);
        await using var db = NpgsqlDataSource.Create(cluster.DatabaseConnectionString);
        await using var kept = db.CreateCommand("SELECT count(*) FROM zones WHERE id = @id AND deleted_at IS NULL");
        kept.Parameters.AddWithValue("id", zoneId);
        Assert.Equal(1L, await kept.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Logging_out_everywhere_voids_every_access_token_of_the_user()
    {
        using var phone = new ZonesClient(cluster.ApiUrl);
        await phone.RegisterAsync();
        var (logout, _) = await phone.SendRawAsync(Post, "/api/v1/auth/logout", new { refreshToken = phone.RefreshToken, allDevices = true });
        var (after, _) = await phone.SendRawAsync(HttpMethod.Get, "/api/v1/users/me", null);

        Assert.Equal(HttpStatusCode.NoContent, logout);
        Assert.Equal(HttpStatusCode.Unauthorized, after);
    }

    [Fact]
    public async Task Users_me_shows_and_changes_the_profile_and_a_taken_username_is_409()
    {
        using var ann = new ZonesClient(cluster.ApiUrl);
        await ann.RegisterAsync();
        using var bob = new ZonesClient(cluster.ApiUrl);
        await bob.RegisterAsync();

        var (patchStatus, patched) = await ann.SendRawAsync(HttpMethod.Patch, "/api/v1/users/me",
            new { name = "Ann Walker", bio = "Out and about", gender = "female" });
        var (_, me) = await ann.SendRawAsync(HttpMethod.Get, "/api/v1/users/me", null);
        var (takenStatus, taken) = await ann.SendRawAsync(HttpMethod.Patch, "/api/v1/users/me",
            new { username = bob.User!["username"]!.GetValue<string>() });

        Assert.Equal(HttpStatusCode.OK, patchStatus);
        Assert.Equal("Ann Walker", patched["data"]!["name"]!.GetValue<string>());
        Assert.Equal("Out and about", me["data"]!["bio"]!.GetValue<string>());
        Assert.Equal("user", me["data"]!["role"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, takenStatus);
        Assert.Equal("username", taken["error"]!["details"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Nearby_lists_only_the_callers_zones_in_range_nearest_first_with_distance()
    {
        using var client = new ZonesClient(cluster.ApiUrl);
        await client.RegisterAsync();
        using var stranger = new ZonesClient(cluster.ApiUrl);
        await stranger.RegisterAsync();
        await stranger.CreateZoneAsync(new { title = "Theirs", latitude = 48.1371, longitude = 11.5754, radius = 100 });
        var farther = await client.CreateZoneAsync(new { title = "Farther", latitude = 48.1390, longitude = 11.5754, radius = 100 });
        var closer = await client.CreateZoneAsync(new { title = "Closer", latitude = 48.1375, longitude = 11.5754, radius = 100 });
        await client.CreateZoneAsync(new { title = "Out of range", latitude = 48.2, longitude = 11.5754, radius = 100 });

        var (status, answer) = await client.SendRawAsync(HttpMethod.Get,
            "/api/v1/zones/nearby?latitude=48.1371&longitude=11.5754&radius=1000", null);
        var (badStatus, bad) = await client.SendRawAsync(HttpMethod.Get, "/api/v1/zones/nearby?latitude=48.1&longitude=abc", null);

        Assert.Equal(HttpStatusCode.OK, status);
        var zones = answer["data"]!.AsArray();
        Assert.Equal([closer, farther], zones.Select(z => Guid.Parse(z!["id"]!.GetValue<string>())));
        Assert.InRange(zones[0]!["distance"]!.GetValue<double>(), 40, 50);
        Assert.InRange(zones[1]!["distance"]!.GetValue<double>(), 205, 220);
        Assert.Equal("Closer", zones[0]!["title"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal("longitude", bad["error"]!["details"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Statistics_follow_a_visit_and_the_overview_is_for_admins_only()
    {
        using var walker = new ZonesClient(cluster.ApiUrl);
        await walker.RegisterAsync();
        var office = await walker.CreateZoneAsync(new { title = "Office", latitude = 52.52, longitude = 13.405, radius = 150 });
        await walker.PostPingsAsync(Ping(0, 52.56, 13.35));
        await walker.PostPingsAsync(Ping(10, 52.52, 13.405));
        await walker.PostPingsAsync(Ping(40, 52.56, 13.35));

        var (status, mine) = await walker.SendRawAsync(HttpMethod.Get, "/api/v1/stats/me?days=7", null);
        var (forbidden, denied) = await walker.SendRawAsync(HttpMethod.Get, "/api/v1/stats/overview", null);

        Assert.Equal(HttpStatusCode.OK, status);
        var data = mine["data"]!;
        Assert.Equal(1, data["zones"]!.GetValue<int>());
        Assert.Equal(1, data["streak"]!.GetValue<int>());
        var days = data["byDay"]!.AsArray();
        Assert.Equal(7, days.Count);
        Assert.Equal((1, 1), (days.Sum(d => d!["enter"]!.GetValue<int>()), days.Sum(d => d!["exit"]!.GetValue<int>())));
        var zone = Assert.Single(data["byZone"]!.AsArray())!;
        Assert.Equal(office, Guid.Parse(zone["zoneId"]!.GetValue<string>()));
        Assert.Equal((1, 1800L), (zone["visits"]!.GetValue<int>(), zone["secondsInside"]!.GetValue<long>()));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal("FORBIDDEN", denied["error"]!["code"]!.GetValue<string>());

        using var admin = new ZonesClient(cluster.ApiUrl);
        await admin.RegisterAsync(LocalCluster.AdminEmail);
        Assert.Equal("admin", admin.User!["role"]!.GetValue<string>());
        // The silos report their ping counts every few seconds.
        var overview = await Eventually(() => admin.SendRawAsync(HttpMethod.Get, "/api/v1/stats/overview", null),
            r => r.Status == HttpStatusCode.OK && r.Envelope["data"]!["pingsLastMinute"]!.GetValue<long>() >= 3, TimeSpan.FromSeconds(20));
        var figures = overview.Envelope["data"]!;
        Assert.True(figures["users"]!.GetValue<long>() >= 2, figures.ToJsonString());
        Assert.True(figures["activeUsers24h"]!.GetValue<long>() >= 1, figures.ToJsonString());
        Assert.Equal(30, figures["activitiesByDay"]!.AsArray().Count);
        Assert.Equal(30, figures["zonesCreatedByDay"]!.AsArray().Count);
    }

    static async Task<(HttpStatusCode Status, JsonNode Envelope)> Eventually(
        Func<Task<(HttpStatusCode Status, JsonNode Envelope)>> probe, Func<(HttpStatusCode Status, JsonNode Envelope), bool> done,
        TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var answer = await probe();
            if (done(answer))
            {
                return answer;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {timeout}; last answer {(int)answer.Status}: {answer.Envelope.ToJsonString()}");
            }

            await Task.Delay(100);
        }
    }
}
