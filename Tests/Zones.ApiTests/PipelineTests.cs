using System.Text.Json;
using Zones.ApiTests.Host;

namespace Zones.ApiTests;

/// <summary>The real middleware chain and endpoints on an in-memory server with fake grains: what a client sees
/// for the envelope, status codes, request ids and auth. No cluster, no sockets.</summary>
public sealed class PipelineTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static readonly HttpMethod Get = HttpMethod.Get;
    private static readonly HttpMethod Post = HttpMethod.Post;

    private Task<TestResponse> Send(HttpMethod method, string path, string? body = null, string? token = null,
        string? contentType = "application/json", string? requestId = null) =>
        host.Server.SendAsync(method, path, body, contentType, token, requestId);

    private async Task<string> RegisterAsync(string name)
    {
        var response = await Send(Post, "/api/v1/auth/register",
            $$"""{"email":"{{name}}@example.com","password":"password1","username":"{{name}}","name":"{{name}}"}""");
        Assert.Equal(201, response.Status);
        return response.Json.GetProperty("data").GetProperty("accessToken").GetString()!;
    }

    [Fact]
    public async Task Unknown_route_is_a_404_envelope_that_echoes_the_request_id()
    {
        var response = await Send(Get, "/api/v1/nothing-here", requestId: "trace.me-1");

        Assert.Equal(404, response.Status);
        Assert.False(response.Json.GetProperty("success").GetBoolean());
        Assert.Equal("NOT_FOUND", response.ErrorCode);
        Assert.Equal("trace.me-1", response.Json.GetProperty("requestId").GetString());
        Assert.Equal("trace.me-1", response.Headers["X-Request-ID"].ToString());
    }

    [Fact]
    public async Task Every_answer_carries_a_request_id_even_a_success()
    {
        var response = await Send(Get, "/health/live");
        Assert.Equal(200, response.Status);
        Assert.False(string.IsNullOrEmpty(response.Headers["X-Request-ID"].ToString()));
    }

    [Fact]
    public async Task Wrong_method_is_a_405_envelope()
    {
        var token = await RegisterAsync("method405");
        var response = await Send(Get, "/api/v1/locations", token: token);
        Assert.Equal(405, response.Status);
        Assert.Equal("METHOD_NOT_ALLOWED", response.ErrorCode);
    }

    [Fact]
    public async Task No_token_is_a_401_envelope_with_a_bearer_challenge()
    {
        var response = await Send(Get, "/api/v1/zones");
        Assert.Equal(401, response.Status);
        Assert.Equal("UNAUTHORIZED", response.ErrorCode);
        Assert.StartsWith("Bearer", response.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task A_forged_token_is_a_401_envelope()
    {
        var response = await Send(Get, "/api/v1/zones", token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad");
        Assert.Equal(401, response.Status);
        Assert.Equal("The access token is invalid", response.Json.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Register_answers_201_with_user_and_tokens_and_login_works_with_the_same_password()
    {
        var register = await Send(Post, "/api/v1/auth/register",
            """{"email":"Reg@Example.com","password":"password1","username":"reg_user","name":"Reg"}""");
        Assert.Equal(201, register.Status);
        var data = register.Json.GetProperty("data");
        Assert.Equal("reg@example.com", data.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal(900, data.GetProperty("expiresIn").GetInt32());
        Assert.False(string.IsNullOrEmpty(data.GetProperty("refreshToken").GetString()));

        var login = await Send(Post, "/api/v1/auth/login", """{"email":"reg@example.com","password":"password1"}""");
        Assert.Equal(200, login.Status);
        Assert.Equal(data.GetProperty("user").GetProperty("id").GetString(),
            login.Json.GetProperty("data").GetProperty("user").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_get_the_same_401()
    {
        await RegisterAsync("samemsg");
        var wrong = await Send(Post, "/api/v1/auth/login", """{"email":"samemsg@example.com","password":"nope-nope"}""");
        var unknown = await Send(Post, "/api/v1/auth/login", """{"email":"nobody@example.com","password":"nope-nope"}""");

        Assert.Equal((401, 401), (wrong.Status, unknown.Status));
        Assert.Equal(wrong.Json.GetProperty("error").GetProperty("message").GetString(),
            unknown.Json.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Taken_email_is_a_409_conflict()
    {
        await RegisterAsync("twice");
        var again = await Send(Post, "/api/v1/auth/register",
            """{"email":"twice@example.com","password":"password1","username":"twice2","name":"T"}""");
        Assert.Equal(409, again.Status);
        Assert.Equal("CONFLICT", again.ErrorCode);
    }

    [Fact]
    public async Task Invalid_registration_lists_every_problem()
    {
        var response = await Send(Post, "/api/v1/auth/register", """{"email":"x","password":"1","username":"a","name":""}""");
        Assert.Equal(400, response.Status);
        Assert.Equal("VALIDATION_ERROR", response.ErrorCode);
        Assert.Equal(4, response.Json.GetProperty("error").GetProperty("details").GetArrayLength());
    }

    [Fact]
    public async Task Malformed_json_is_a_validation_error_naming_the_body()
    {
        var response = await Send(Post, "/api/v1/auth/login", """{"email":""");
        Assert.Equal(400, response.Status);
        Assert.Equal("body", response.Json.GetProperty("error").GetProperty("details")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Text_body_on_a_json_endpoint_is_415()
    {
        var response = await Send(Post, "/api/v1/auth/login", "email=a", contentType: "text/plain");
        Assert.Equal(415, response.Status);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", response.ErrorCode);
    }

    [Fact]
    public async Task Cluster_outage_is_503_unavailable()
    {
        var response = await Send(Post, "/api/v1/auth/register",
            $$"""{"email":"{{FakeAccounts.UnavailableEmail}}","password":"password1","username":"down","name":"D"}""");
        Assert.Equal(503, response.Status);
        Assert.Equal("UNAVAILABLE", response.ErrorCode);
    }

    [Fact]
    public async Task A_bug_is_500_without_internals()
    {
        var response = await Send(Post, "/api/v1/auth/register",
            $$"""{"email":"{{FakeAccounts.BuggyEmail}}","password":"password1","username":"bug","name":"B"}""");
        Assert.Equal(500, response.Status);
        Assert.Equal("INTERNAL_ERROR", response.ErrorCode);
        Assert.DoesNotContain("secret", response.Body);
    }

    [Fact]
    public async Task Zones_are_created_listed_read_replaced_and_deleted()
    {
        var token = await RegisterAsync("zoner");
        var created = await Send(Post, "/api/v1/zones", """{"title":"Home","latitude":52.5,"longitude":13.4,"radius":150}""", token);
        Assert.Equal(201, created.Status);
        var id = created.Json.GetProperty("data").GetProperty("id").GetString();
        Assert.Equal($"/api/v1/zones/{id}", created.Headers.Location.ToString());
        Assert.Equal(150, created.Json.GetProperty("data").GetProperty("radius").GetDouble());

        var list = await Send(Get, "/api/v1/zones?page=1&limit=10", token: token);
        Assert.Equal(200, list.Status);
        Assert.Equal("""{"page":1,"limit":10,"total":1}""", list.Json.GetProperty("meta").GetRawText());

        var replaced = await Send(HttpMethod.Put, $"/api/v1/zones/{id}", """{"title":"Work","latitude":1,"longitude":2}""", token);
        Assert.Equal(("Work", 200.0), (replaced.Json.GetProperty("data").GetProperty("title").GetString(),
            replaced.Json.GetProperty("data").GetProperty("radius").GetDouble()));

        Assert.Equal(204, (await Send(HttpMethod.Delete, $"/api/v1/zones/{id}", token: token)).Status);
        var gone = await Send(Get, $"/api/v1/zones/{id}", token: token);
        Assert.Equal((404, "NOT_FOUND"), (gone.Status, gone.ErrorCode));
    }

    [Fact]
    public async Task Another_users_zone_is_404()
    {
        var owner = await RegisterAsync("owner");
        var other = await RegisterAsync("other");
        var created = await Send(Post, "/api/v1/zones", """{"title":"Mine","latitude":1,"longitude":1}""", owner);
        var id = created.Json.GetProperty("data").GetProperty("id").GetString();

        Assert.Equal(404, (await Send(Get, $"/api/v1/zones/{id}", token: other)).Status);
        Assert.Equal(404, (await Send(HttpMethod.Delete, $"/api/v1/zones/{id}", token: other)).Status);
    }

    [Fact]
    public async Task Bad_paging_is_a_validation_error_per_parameter()
    {
        var token = await RegisterAsync("pager");
        var response = await Send(Get, "/api/v1/zones?page=0&limit=abc", token: token);
        Assert.Equal(400, response.Status);
        Assert.Equal(["page", "limit"], response.Json.GetProperty("error").GetProperty("details").EnumerateArray()
            .Select(d => d.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task Pings_are_reported_to_the_callers_grain_and_answered_with_events()
    {
        var token = await RegisterAsync("pinger");
        await Send(Post, "/api/v1/zones", """{"title":"Cafe","latitude":1,"longitude":1}""", token);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var response = await Send(Post, "/api/v1/locations",
            $$"""{"deviceId":"p1","pings":[{"latitude":1,"longitude":1,"timestamp":{{now}}}]}""", token);

        Assert.Equal(200, response.Status);
        var data = response.Json.GetProperty("data");
        Assert.Equal((1, 0), (data.GetProperty("accepted").GetInt32(), data.GetProperty("ignored").GetInt32()));
        var zoneEvent = Assert.Single(data.GetProperty("events").EnumerateArray());
        Assert.Equal(("enter", "Cafe"), (zoneEvent.GetProperty("type").GetString(), zoneEvent.GetProperty("zoneName").GetString()));
    }

    [Fact]
    public async Task A_bad_ping_is_named_by_its_index()
    {
        var token = await RegisterAsync("badping");
        var response = await Send(Post, "/api/v1/locations",
            $$"""{"pings":[{"latitude":1,"longitude":1,"timestamp":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},{"latitude":"1","longitude":1,"timestamp":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}]}""", token);
        Assert.Equal(400, response.Status);
        Assert.Equal("pings[1].latitude", response.Json.GetProperty("error").GetProperty("details")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        var token = await RegisterAsync("bigbody");
        var response = await Send(Post, "/api/v1/locations", "{\"pad\":\"" + new string('x', 1_100_000) + "\"}", token);
        Assert.Equal(413, response.Status);
        Assert.Equal("PAYLOAD_TOO_LARGE", response.ErrorCode);
    }

    [Fact]
    public async Task Activities_answer_with_cursor_meta_and_pass_the_filters_on()
    {
        var token = await RegisterAsync("historian");
        var response = await Send(Get, "/api/v1/activities?type=exit&limit=5&from=1", token: token);
        Assert.Equal(200, response.Status);
        Assert.Equal("""{"limit":5,"nextCursor":"next-1"}""", response.Json.GetProperty("meta").GetRawText());
        Assert.Equal(("exit", 5, 1L), (host.Grains.History.LastQuery!.Type, host.Grains.History.LastQuery.Limit, host.Grains.History.LastQuery.From));
    }

    [Fact]
    public async Task Health_reports_each_check_and_degrades_without_a_live_cluster()
    {
        var response = await Send(Get, "/health");
        // The fake client has no management grain, so the cluster check fails: degraded, 503.
        Assert.Equal(503, response.Status);
        Assert.Equal("degraded", response.Json.GetProperty("status").GetString());
        var checks = response.Json.GetProperty("checks");
        Assert.Equal("skipped", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("failed", checks.GetProperty("cluster").GetProperty("status").GetString());
        // A fixed phrase, never the exception's type or message: /health is public.
        Assert.Equal("unreachable", checks.GetProperty("cluster").GetProperty("error").GetString());
        Assert.Equal(["status", "latencyMs"], checks.GetProperty("database").EnumerateObject().Select(p => p.Name));
        Assert.Equal(503, (await Send(Get, "/health/ready")).Status);
    }

    [Fact]
    public async Task OpenApi_document_lists_the_endpoints()
    {
        var response = await Send(Get, "/openapi/v1.json");
        Assert.Equal(200, response.Status);
        var paths = response.Json.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/zones", out _));
        Assert.True(paths.TryGetProperty("/api/v1/locations", out _));
    }

    [Fact]
    public async Task Metrics_are_exposed_in_prometheus_text()
    {
        await RegisterAsync("metered");
        var response = await Send(Get, "/metrics");
        Assert.Equal(200, response.Status);
        Assert.Contains("zones_auth_attempts_total", response.Body);
    }

    [Fact]
    public async Task Hub_refuses_an_unauthenticated_negotiation()
    {
        var response = await Send(Post, "/hubs/zones/negotiate?negotiateVersion=1", "", contentType: null);
        Assert.Equal(401, response.Status);
        Assert.Equal("UNAUTHORIZED", response.ErrorCode);
    }
}
