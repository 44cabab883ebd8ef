using Zones.Api.Infrastructure;
using Zones.ApiTests.Host;

namespace Zones.ApiTests;

/// <summary>What a browser sees: security headers on every answer, and cross-origin access only for the origins in
/// <c>Cors:AllowedOrigins</c> (none by default), the hub included.</summary>
public sealed class SecurityTests(ApiHost host, SecurityTests.AllowListHost allowList)
    : IClassFixture<ApiHost>, IClassFixture<SecurityTests.AllowListHost>
{
    private const string Allowed = "https://app.example.com";

    public sealed class AllowListHost : ApiHost
    {
        protected override string[] Settings => [$"--Cors:AllowedOrigins:0={Allowed}"];
    }

    private static Dictionary<string, string> Preflight(string origin) => new()
    {
        ["Origin"] = origin,
        ["Access-Control-Request-Method"] = "POST",
        ["Access-Control-Request-Headers"] = "authorization,content-type",
    };

    [Theory]
    [InlineData("/health/live")]            // a success
    [InlineData("/api/v1/nothing-here")]    // an error envelope
    [InlineData("/api/v1/zones")]           // a 401 challenge
    public async Task Every_answer_forbids_sniffing_framing_and_referrers(string path)
    {
        var response = await host.Server.SendAsync(HttpMethod.Get, path);

        Assert.Equal("nosniff", response.Headers.XContentTypeOptions.ToString());
        Assert.Equal("DENY", response.Headers.XFrameOptions.ToString());
        Assert.Equal("no-referrer", response.Headers["Referrer-Policy"].ToString());
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, response.Headers.ContentSecurityPolicy.ToString());
    }

    [Fact]
    public async Task Without_an_allow_list_no_origin_gets_cross_origin_access()
    {
        var response = await host.Server.SendAsync(HttpMethod.Options, "/api/v1/auth/login", headers: Preflight(Allowed));

        Assert.False(response.Headers.ContainsKey("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/api/v1/auth/login")]
    [InlineData("/hubs/zones/negotiate")]
    public async Task An_allowed_origin_may_call_the_api_and_the_hub_with_credentials(string path)
    {
        var response = await allowList.Server.SendAsync(HttpMethod.Options, path, headers: Preflight(Allowed));

        Assert.Equal(Allowed, response.Headers["Access-Control-Allow-Origin"].ToString());
        Assert.Equal("true", response.Headers["Access-Control-Allow-Credentials"].ToString());
    }

    [Fact]
    public async Task An_origin_missing_from_the_allow_list_gets_no_cross_origin_access()
    {
        var response = await allowList.Server.SendAsync(HttpMethod.Options, "/api/v1/auth/login",
            headers: Preflight("https://evil.example.net"));

        Assert.False(response.Headers.ContainsKey("Access-Control-Allow-Origin"));
    }
}
