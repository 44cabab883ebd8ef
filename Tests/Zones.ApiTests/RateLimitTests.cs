using Microsoft.Extensions.DependencyInjection;
using Zones.ApiTests.Host;

namespace Zones.ApiTests;

/// <summary>Failed logins per account and per address, at the default figures (5 per 15 minutes), on a clock the
/// tests move. Every test uses its own accounts and addresses.</summary>
public sealed class LoginLimitTests(LoginLimitTests.LoginLimitHost host) : IClassFixture<LoginLimitTests.LoginLimitHost>
{
    public sealed class LoginLimitHost : ApiHost
    {
        internal FixedTime Clock { get; } = new(DateTimeOffset.UtcNow);

        protected override string[] Settings => ["--RateLimits:Enabled=true"];

        protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
    }

    private async Task RegisterAsync(string name, string address)
    {
        var response = await host.Server.SendAsync(HttpMethod.Post, "/api/v1/auth/register",
            $$"""{"email":"{{name}}@example.com","password":"password1","username":"{{name}}","name":"{{name}}"}""", remoteAddress: address);
        Assert.Equal(201, response.Status);
    }

    private Task<TestResponse> LoginAsync(string name, string password, string address) =>
        host.Server.SendAsync(HttpMethod.Post, "/api/v1/auth/login",
            $$"""{"email":"{{name}}@example.com","password":"{{password}}"}""", remoteAddress: address);

    private async Task FailAsync(string name, string address, int times)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(401, (await LoginAsync(name, "wrong-password", address)).Status);
        }
    }

    [Fact]
    public async Task The_sixth_failed_login_for_an_account_is_429_with_retry_after_while_another_account_still_signs_in()
    {
        await RegisterAsync("alice", "10.1.0.1");
        await RegisterAsync("bob", "10.1.0.1");
        await FailAsync("alice", "10.1.1.1", 5);

        var sixth = await LoginAsync("alice", "wrong-password", "10.1.1.1");
        var rightPasswordElsewhere = await LoginAsync("alice", "password1", "10.1.1.2");
        var otherAccount = await LoginAsync("bob", "password1", "10.1.1.3");

        Assert.Equal((429, "RATE_LIMITED"), (sixth.Status, sixth.ErrorCode));
        Assert.Equal("900", sixth.Headers.RetryAfter.ToString());
        Assert.Equal("Too many failed logins; retry after 900 seconds", sixth.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(429, rightPasswordElsewhere.Status);
        Assert.Equal(200, otherAccount.Status);
    }

    [Fact]
    public async Task Failed_logins_from_one_address_are_limited_across_accounts()
    {
        await RegisterAsync("carol", "10.2.0.9");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(401, (await LoginAsync($"nobody{i}", "password1", "10.2.0.1")).Status);
        }

        var sixthAccount = await LoginAsync("nobody5", "password1", "10.2.0.1");
        var rightPasswordFromThatAddress = await LoginAsync("carol", "password1", "10.2.0.1");
        var sameAccountElsewhere = await LoginAsync("carol", "password1", "10.2.0.2");

        Assert.Equal((429, "RATE_LIMITED"), (sixthAccount.Status, sixthAccount.ErrorCode));
        Assert.Equal(429, rightPasswordFromThatAddress.Status);
        Assert.Equal(200, sameAccountElsewhere.Status);
    }

    [Fact]
    public async Task Successful_logins_are_not_counted_as_failures()
    {
        await RegisterAsync("dave", "10.3.0.9");
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(200, (await LoginAsync("dave", "password1", "10.3.0.1")).Status);
        }

        await FailAsync("dave", "10.3.0.1", 5);

        Assert.Equal(429, (await LoginAsync("dave", "wrong-password", "10.3.0.1")).Status);
    }

    [Fact]
    public async Task Logins_are_allowed_again_once_the_oldest_failure_leaves_the_window()
    {
        await RegisterAsync("erin", "10.4.0.9");
        await FailAsync("erin", "10.4.0.1", 1);
        host.Clock.Now += TimeSpan.FromMinutes(5);
        await FailAsync("erin", "10.4.0.1", 4);

        var blocked = await LoginAsync("erin", "password1", "10.4.0.2");
        host.Clock.Now += TimeSpan.FromMinutes(10);
        var allowed = await LoginAsync("erin", "password1", "10.4.0.2");

        Assert.Equal(429, blocked.Status);
        Assert.Equal("600", blocked.Headers.RetryAfter.ToString());
        Assert.Equal(200, allowed.Status);
    }
}

/// <summary>Registrations and requests per address, location requests per user, and the cap on error details,
/// with small figures so that a few requests reach them.</summary>
public sealed class RequestLimitTests(RequestLimitTests.RequestLimitHost host) : IClassFixture<RequestLimitTests.RequestLimitHost>
{
    public sealed class RequestLimitHost : ApiHost
    {
        protected override string[] Settings =>
        [
            "--RateLimits:Enabled=true",
            "--RateLimits:ExemptNetworks:0=192.0.2.0/24",
            "--RateLimits:RegistrationsPerIp:Limit=3",
            "--RateLimits:RegistrationsPerIp:Window=01:00:00",
            "--RateLimits:GeneralPerIp:TokenLimit=20",
            "--RateLimits:GeneralPerIp:TokensPerPeriod=1",
            "--RateLimits:GeneralPerIp:Period=01:00:00",
            "--RateLimits:IngestionPerUser:TokenLimit=3",
            "--RateLimits:IngestionPerUser:TokensPerPeriod=1",
            "--RateLimits:IngestionPerUser:Period=01:00:00",
        ];
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string OnePing => $$"""{"pings":[{"latitude":1,"longitude":2,"timestamp":{{Now}}}]}""";

    private Task<TestResponse> RegisterAsync(string name, string address) =>
        host.Server.SendAsync(HttpMethod.Post, "/api/v1/auth/register",
            $$"""{"email":"{{name}}@example.com","password":"password1","username":"{{name}}","name":"{{name}}"}""", remoteAddress: address);

    private async Task<string> TokenAsync(string name, string address)
    {
        var response = await RegisterAsync(name, address);
        Assert.Equal(201, response.Status);
        return response.Json.GetProperty("data").GetProperty("accessToken").GetString()!;
    }

    private Task<TestResponse> PingAsync(string? token, string address, string? body = null) =>
        host.Server.SendAsync(HttpMethod.Post, "/api/v1/locations", body ?? OnePing, bearer: token, remoteAddress: address);

    private static int RetryAfter(TestResponse response) => int.Parse(response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_fourth_registration_from_one_address_is_429_while_another_address_registers()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(201, (await RegisterAsync($"reg{i}", "10.5.0.1")).Status);
        }

        var fourth = await RegisterAsync("reg3", "10.5.0.1");
        var elsewhere = await RegisterAsync("reg4", "10.5.0.2");

        Assert.Equal((429, "RATE_LIMITED"), (fourth.Status, fourth.ErrorCode));
        Assert.InRange(RetryAfter(fourth), 1, 3600);
        Assert.StartsWith("Too many registrations from this address; retry after ", fourth.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(201, elsewhere.Status);
    }

    [Fact]
    public async Task An_exempt_network_is_not_limited_per_address()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(201, (await RegisterAsync($"exempt{i}", "192.0.2.7")).Status);
        }
    }

    [Fact]
    public async Task Location_requests_beyond_a_users_bucket_are_429_while_another_user_on_the_same_address_goes_on()
    {
        var first = await TokenAsync("pinger1", "10.6.0.1");
        var second = await TokenAsync("pinger2", "10.6.0.2");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await PingAsync(first, "10.6.0.9")).Status);
        }

        var refused = await PingAsync(first, "10.6.0.9");
        var other = await PingAsync(second, "10.6.0.9");

        Assert.Equal((429, "RATE_LIMITED"), (refused.Status, refused.ErrorCode));
        Assert.InRange(RetryAfter(refused), 3000, 3600);
        Assert.StartsWith("Too many location requests for this user; retry after ", refused.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(200, other.Status);
    }

    [Fact]
    public async Task An_address_over_its_general_limit_is_429_but_its_authenticated_location_requests_go_on()
    {
        var token = await TokenAsync("busy", "10.7.0.1");
        for (var i = 1; i < 20; i++)
        {
            Assert.Equal(200, (await host.Server.SendAsync(HttpMethod.Get, "/health/live", remoteAddress: "10.7.0.1")).Status);
        }

        var overLimit = await host.Server.SendAsync(HttpMethod.Get, "/health/live", remoteAddress: "10.7.0.1");
        var anonymousPings = await PingAsync(null, "10.7.0.1");
        var authenticatedPings = await PingAsync(token, "10.7.0.1");
        var otherAddress = await host.Server.SendAsync(HttpMethod.Get, "/health/live", remoteAddress: "10.7.0.2");

        Assert.Equal((429, "RATE_LIMITED"), (overLimit.Status, overLimit.ErrorCode));
        Assert.InRange(RetryAfter(overLimit), 1, 3600);
        Assert.Equal(429, anonymousPings.Status);
        Assert.Equal(200, authenticatedPings.Status);
        Assert.Equal(200, otherAddress.Status);
    }

    [Fact]
    public async Task A_validation_error_lists_at_most_20_details_and_says_how_many_there_were()
    {
        var token = await TokenAsync("sloppy", "10.8.0.1");
        var body = "{\"pings\":[" + string.Join(",", Enumerable.Range(0, 30).Select(_ => $$"""{"latitude":100,"longitude":2,"timestamp":{{Now}}}""")) + "]}";

        var response = await PingAsync(token, "10.8.0.1", body);

        Assert.Equal(400, response.Status);
        var error = response.Json.GetProperty("error");
        Assert.Equal(20, error.GetProperty("details").GetArrayLength());
        Assert.Equal("pings[19].latitude", error.GetProperty("details")[19].GetProperty("field").GetString());
        Assert.Equal("The request is not valid (30 problems; the first 20 are listed)", error.GetProperty("message").GetString());
    }
}
