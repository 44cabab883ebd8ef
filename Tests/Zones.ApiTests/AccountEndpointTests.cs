using System.Text.Json;
using Zones.Accounts;
using Zones.Api.Auth;
using Zones.ApiTests.Host;

namespace Zones.ApiTests;

/// <summary>Refresh, logout, /users/me, nearby and statistics at the edge: bodies, status codes, revocation and roles,
/// on the real pipeline with fake grains.</summary>
public sealed class AccountEndpointTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static readonly HttpMethod Get = HttpMethod.Get;
    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly HttpMethod Patch = HttpMethod.Patch;
    private static readonly HttpMethod Delete = HttpMethod.Delete;

    private Task<TestResponse> Send(HttpMethod method, string path, string? body = null, string? token = null) =>
        host.Server.SendAsync(method, path, body, "application/json", token);

    private async Task<(string Access, string Refresh)> RegisterAsync(string name)
    {
        var response = await Send(Post, "/api/v1/auth/register",
            $$"""{"email":"{{name}}@example.com","password":"password1","username":"{{name}}","name":"{{name}}"}""");
        Assert.Equal(201, response.Status);
        var data = response.Json.GetProperty("data");
        return (data.GetProperty("accessToken").GetString()!, data.GetProperty("refreshToken").GetString()!);
    }

    [Fact]
    public async Task Refresh_hands_out_a_new_pair_and_the_spent_token_is_refused()
    {
        var (_, refresh) = await RegisterAsync("refresher");

        var first = await Send(Post, "/api/v1/auth/refresh", $$"""{"refreshToken":"{{refresh}}"}""");
        var again = await Send(Post, "/api/v1/auth/refresh", $$"""{"refreshToken":"{{refresh}}"}""");

        Assert.Equal(200, first.Status);
        var data = first.Json.GetProperty("data");
        Assert.NotEqual(refresh, data.GetProperty("refreshToken").GetString());
        Assert.Equal("refresher", data.GetProperty("user").GetProperty("username").GetString());
        Assert.Equal(900, data.GetProperty("expiresIn").GetInt32());
        Assert.Equal(401, again.Status);
        Assert.Equal("UNAUTHORIZED", again.ErrorCode);
    }

    [Theory]
    [InlineData("{}", "refreshToken: is required")]
    [InlineData("""{"refreshToken":42}""", "refreshToken: must be a string")]
    public async Task A_refresh_body_without_a_token_is_a_validation_error(string body, string detail)
    {
        var response = await Send(Post, "/api/v1/auth/refresh", body);
        Assert.Equal(400, response.Status);
        Assert.Equal([detail], Details(response));
    }

    [Fact]
    public async Task Logout_of_an_unknown_token_is_still_204_but_everywhere_needs_a_live_token()
    {
        var plain = await Send(Post, "/api/v1/auth/logout", """{"refreshToken":"nothing-like-a-token"}""");
        var everywhere = await Send(Post, "/api/v1/auth/logout", """{"refreshToken":"nothing-like-a-token","allDevices":true}""");

        Assert.Equal(204, plain.Status);
        Assert.Equal(401, everywhere.Status);
    }

    [Fact]
    public async Task Logging_out_everywhere_voids_the_access_token_at_once_on_this_node()
    {
        var (access, refresh) = await RegisterAsync("everywhere");
        Assert.Equal(200, (await Send(Get, "/api/v1/users/me", token: access)).Status);

        var logout = await Send(Post, "/api/v1/auth/logout", $$"""{"refreshToken":"{{refresh}}","allDevices":true}""");
        var after = await Send(Get, "/api/v1/users/me", token: access);

        Assert.Equal(204, logout.Status);
        Assert.Equal(401, after.Status);
        Assert.Equal("The access token has been revoked", after.Json.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_password_over_72_bytes_is_refused_with_the_reason()
    {
        // 40 characters, 80 bytes in UTF-8: inside API.md's 8-128 characters, beyond what bcrypt reads.
        var password = new string('é', 40);
        var response = await Send(Post, "/api/v1/auth/register",
            $$"""{"email":"long@example.com","password":"{{password}}","username":"longpass","name":"L"}""");

        Assert.Equal(400, response.Status);
        var detail = Assert.Single(Details(response));
        Assert.StartsWith("password: must be at most 72 bytes in UTF-8", detail);
    }

    [Fact]
    public async Task Users_me_reads_patches_and_deletes_the_callers_account()
    {
        var (access, _) = await RegisterAsync("profiled");

        var read = await Send(Get, "/api/v1/users/me", token: access);
        var patched = await Send(Patch, "/api/v1/users/me",
            """{"name":"Pro Filed","bio":"Walks a lot","phone":"+49 30 1234567","gender":"female"}""", access);
        var cleared = await Send(Patch, "/api/v1/users/me", """{"bio":null}""", access);
        var deleted = await Send(Delete, "/api/v1/users/me", token: access);
        var afterDelete = await Send(Get, "/api/v1/users/me", token: access);

        Assert.Equal(200, read.Status);
        var user = read.Json.GetProperty("data");
        Assert.Equal("profiled@example.com", user.GetProperty("email").GetString());
        Assert.Equal("user", user.GetProperty("role").GetString());
        Assert.Equal(0, user.GetProperty("streak").GetInt32());
        Assert.Equal(200, patched.Status);
        Assert.Equal("Walks a lot", patched.Json.GetProperty("data").GetProperty("bio").GetString());
        Assert.Equal("+49 30 1234567", patched.Json.GetProperty("data").GetProperty("phone").GetString());
        Assert.Equal(JsonValueKind.Null, cleared.Json.GetProperty("data").GetProperty("bio").ValueKind);
        Assert.Equal("Pro Filed", cleared.Json.GetProperty("data").GetProperty("name").GetString());
        Assert.Equal(204, deleted.Status);
        Assert.Equal(401, afterDelete.Status);
    }

    [Fact]
    public async Task Patch_validates_like_register_and_a_taken_username_is_a_conflict()
    {
        await RegisterAsync("takenname");
        var (access, _) = await RegisterAsync("patcher");

        var invalid = await Send(Patch, "/api/v1/users/me",
            """{"username":"no spaces","name":"","phone":"call me","bio":7,"gender":null}""", access);
        var nulls = await Send(Patch, "/api/v1/users/me", """{"username":null,"name":null}""", access);
        var taken = await Send(Patch, "/api/v1/users/me", """{"username":"takenname"}""", access);

        Assert.Equal(400, invalid.Status);
        Assert.Equal(["bio", "name", "phone", "username"], Details(invalid).Select(d => d.Split(':')[0]).Order());
        Assert.Equal(["name: cannot be null", "username: cannot be null"], Details(nulls));
        Assert.Equal(409, taken.Status);
        Assert.Equal("CONFLICT", taken.ErrorCode);
    }

    [Theory]
    [InlineData("", "latitude: is required|longitude: is required")]
    [InlineData("latitude=91&longitude=0", "latitude: must be between -90 and 90")]
    [InlineData("latitude=NaN&longitude=Infinity", "latitude: must be a number|longitude: must be a number")]
    [InlineData("latitude=1&longitude=2&radius=0", "radius: must be between 1 and 50000")]
    [InlineData("latitude=1&longitude=2&radius=1e999", "radius: must be a number")]
    [InlineData("latitude=1&longitude=2&limit=0", "limit: must be between 1 and 1000")]
    public async Task Nearby_query_parameters_are_validated_with_the_envelope(string query, string details)
    {
        var (access, _) = await RegisterAsync("near" + Math.Abs(query.GetHashCode() % 100000));
        var response = await Send(Get, "/api/v1/zones/nearby?" + query, token: access);
        Assert.Equal(400, response.Status);
        Assert.Equal(details.Split('|'), Details(response));
    }

    [Fact]
    public async Task Nearby_asks_for_the_callers_own_zones_with_the_default_radius()
    {
        var (access, _) = await RegisterAsync("nearme");
        var response = await Send(Get, "/api/v1/zones/nearby?latitude=52.52&longitude=13.405", token: access);

        Assert.Equal(200, response.Status);
        Assert.Equal(JsonValueKind.Array, response.Json.GetProperty("data").ValueKind);
        var (_, query) = host.Grains.Nearby.LastQuery!.Value;
        Assert.Equal(new Zones.Nearby.NearbyQuery(52.52, 13.405, 1_000, 100), query);
    }

    [Fact]
    public async Task Statistics_answer_the_documented_shape_and_validate_days()
    {
        var (access, _) = await RegisterAsync("counter");

        var mine = await Send(Get, "/api/v1/stats/me?days=7", token: access);
        var badDays = await Send(Get, "/api/v1/stats/me?days=366", token: access);

        Assert.Equal(200, mine.Status);
        var data = mine.Json.GetProperty("data");
        foreach (var field in new[] { "zones", "activitiesToday", "streak", "byDay", "byZone" })
        {
            Assert.True(data.TryGetProperty(field, out _), $"stats/me has {field}");
        }
        Assert.Equal("2026-12-02", data.GetProperty("byDay")[0].GetProperty("date").GetString());
        Assert.Equal(["days: must be between 1 and 365"], Details(badDays));
    }

    [Fact]
    public async Task The_overview_is_403_for_a_user_and_200_for_an_admin()
    {
        var (user, _) = await RegisterAsync("plainuser");
        await RegisterAsync("theadmin");
        host.Grains.Accounts.MakeAdmin("theadmin@example.com");
        var login = await Send(Post, "/api/v1/auth/login", """{"email":"theadmin@example.com","password":"password1"}""");
        var admin = login.Json.GetProperty("data").GetProperty("accessToken").GetString()!;

        var forbidden = await Send(Get, "/api/v1/stats/overview", token: user);
        var allowed = await Send(Get, "/api/v1/stats/overview", token: admin);

        Assert.Equal(403, forbidden.Status);
        Assert.Equal("FORBIDDEN", forbidden.ErrorCode);
        Assert.Equal(200, allowed.Status);
        Assert.Equal(7, allowed.Json.GetProperty("data").GetProperty("pingsLastMinute").GetInt64());
        Assert.Equal(4, allowed.Json.GetProperty("data").GetProperty("activeUsers24h").GetInt64());
    }

    private static List<string> Details(TestResponse response) =>
        response.Json.GetProperty("error").GetProperty("details").EnumerateArray()
            .Select(d => $"{d.GetProperty("field").GetString()}: {d.GetProperty("reason").GetString()}").ToList();
}

public sealed class RevocationTests
{
    private static AccessTokenRevocations Revocations(DateTimeOffset now) =>
        new(Microsoft.Extensions.Options.Options.Create(new JwtOptions { SigningKey = new string('k', 32) }), new FixedTime(now));

    [Fact]
    public void Tokens_issued_up_to_the_revocation_second_are_void_and_later_ones_are_not()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_500);
        var revocations = Revocations(now);
        var user = Guid.NewGuid();
        revocations.Apply(new AccessRevocation(user, now.ToUnixTimeMilliseconds()));

        Assert.True(revocations.IsRevoked(user, 1_799_999_000));
        Assert.True(revocations.IsRevoked(user, 1_800_000_000));
        Assert.False(revocations.IsRevoked(user, 1_800_000_001));
        Assert.False(revocations.IsRevoked(Guid.NewGuid(), 1_799_999_000));
    }

    [Fact]
    public void A_revocation_older_than_any_live_token_is_forgotten()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        var revocations = Revocations(now);
        revocations.Apply(new AccessRevocation(Guid.NewGuid(), now.AddHours(-1).ToUnixTimeMilliseconds()));
        revocations.Apply(new AccessRevocation(Guid.NewGuid(), now.AddMinutes(-5).ToUnixTimeMilliseconds()));

        revocations.Prune();

        Assert.Equal(1, revocations.Count);
    }

    [Fact]
    public void The_redis_message_round_trips_and_garbage_is_ignored()
    {
        var revocation = new AccessRevocation(Guid.NewGuid(), 1_800_000_000_123);
        Assert.Equal(revocation, AccessTokenRevocations.Decode(AccessTokenRevocations.Encode(revocation)));
        Assert.Null(AccessTokenRevocations.Decode("not a revocation"));
        Assert.Null(AccessTokenRevocations.Decode(null));
    }
}
