using System.Security.Claims;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zones.Api.Infrastructure;
using Zones.Api.Limits;
using Zones.Api.Locations;
using Zones.Api.Realtime;
using Zones.ApiTests.Host;

namespace Zones.ApiTests;

public sealed class HubHandlerTests
{
    private static readonly Guid UserId = Guid.NewGuid();
    private readonly FakeGrains _grains = new();
    private readonly ZonesHubHandler _handler;

    public HubHandlerTests() => _handler = Handler(new RateLimitOptions { Enabled = false });

    private ZonesHubHandler Handler(RateLimitOptions limits) => new(FakeCluster.Create(_grains), new SiloLossWatch(), TimeProvider.System,
        new IngestionLimiter(Options.Create(limits)), Options.Create(new ApiLimits()),
        new HostingEnvironment { EnvironmentName = "Production" }, NullLogger<ZonesHubHandler>.Instance);

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public async Task SendLocations_answers_like_the_http_endpoint()
    {
        var answer = await _handler.SendLocations(new Caller(), Json.Parse($$"""{"pings":[{"latitude":1,"longitude":2,"timestamp":{{Now}}}]}"""));

        var response = Assert.IsType<Dictionary<string, object?>>(answer);
        Assert.Equal(["accepted", "ignored", "events"], response.Keys);
        Assert.Equal(1, response["accepted"]);
        Assert.Single(_grains.User(UserId).Batches);
    }

    [Fact]
    public async Task SendLocations_over_MessagePack_reads_a_map_exactly_like_JSON()
    {
        // What the MessagePack protocol hands the hub for {"deviceId":"d","pings":[{...}]}: maps, arrays, primitives.
        var map = new Dictionary<object, object?>
        {
            ["deviceId"] = "d",
            ["pings"] = new object?[] { new Dictionary<object, object?> { ["latitude"] = 1.5, ["longitude"] = (byte)2, ["timestamp"] = Now } },
        };

        var answer = await _handler.SendLocations(new Caller(), map);

        Assert.Equal(1, Assert.IsType<Dictionary<string, object?>>(answer)["accepted"]);
        var ping = Assert.Single(Assert.Single(_grains.User(UserId).Batches).Pings);
        Assert.Equal((1.5, 2.0), (ping.Latitude, ping.Longitude));
    }

    [Fact]
    public async Task SendLocations_over_MessagePack_names_a_bad_field_like_JSON()
    {
        var map = new Dictionary<object, object?>
        {
            ["pings"] = new object?[] { new Dictionary<object, object?> { ["latitude"] = double.NaN, ["longitude"] = 2, ["timestamp"] = Now } },
        };

        var exception = await Assert.ThrowsAsync<HubException>(() => _handler.SendLocations(new Caller(), map));

        Assert.StartsWith("VALIDATION_ERROR: ", exception.Message);
        Assert.Contains("pings[0].latitude: must be a number", exception.Message);
    }

    [Fact]
    public async Task SendLocations_reports_validation_errors_as_a_hub_exception_with_code_and_fields()
    {
        var exception = await Assert.ThrowsAsync<HubException>(() =>
            _handler.SendLocations(new Caller(), Json.Parse("""{"pings":[{"latitude":100,"longitude":2,"timestamp":1}]}""")));

        Assert.StartsWith("VALIDATION_ERROR: ", exception.Message);
        Assert.Contains("pings[0].latitude", exception.Message);
    }

    [Fact]
    public async Task StreamLocations_evaluates_every_streamed_ping_for_the_caller()
    {
        await _handler.StreamLocations(new Caller(), Pings(3));

        Assert.Equal(3, _grains.User(UserId).Batches.Sum(b => b.Pings.Count));
    }

    [Fact]
    public async Task StreamLocations_evaluates_the_valid_pings_then_ends_with_the_invalid_ones_error()
    {
        var exception = await Assert.ThrowsAsync<HubException>(() => _handler.StreamLocations(new Caller(),
            Pings(2).Append((object)Json.Parse("""{"latitude":1}"""))));

        Assert.Contains("pings[2].longitude", exception.Message);
        Assert.Equal(2, _grains.User(UserId).Batches.Sum(b => b.Pings.Count));
    }

    [Fact]
    public async Task SendLocations_beyond_the_users_bucket_is_refused_with_rate_limited_and_the_seconds_to_wait()
    {
        var handler = Handler(new RateLimitOptions
        {
            IngestionPerUser = new TokenBucket { TokenLimit = 2, TokensPerPeriod = 1, Period = TimeSpan.FromMinutes(1) },
        });
        var body = Json.Parse($$"""{"pings":[{"latitude":1,"longitude":2,"timestamp":{{Now}}}]}""");
        await handler.SendLocations(new Caller(), body);
        await handler.SendLocations(new Caller(), body);

        var refused = await Assert.ThrowsAsync<HubException>(() => handler.SendLocations(new Caller(), body));
        var otherUser = await handler.SendLocations(new Caller(Guid.NewGuid()), body);

        Assert.StartsWith("RATE_LIMITED: Too many location requests for this user; retry after ", refused.Message);
        Assert.Matches(@"retry after (60|[1-5][0-9]) seconds$", refused.Message);
        Assert.Equal(2, _grains.User(UserId).Batches.Count);
        Assert.Equal(1, Assert.IsType<Dictionary<string, object?>>(otherUser)["accepted"]);
    }

    [Fact]
    public async Task StreamLocations_of_a_user_whose_bucket_is_empty_ends_with_rate_limited()
    {
        var handler = Handler(new RateLimitOptions
        {
            IngestionPerUser = new TokenBucket { TokenLimit = 1, TokensPerPeriod = 1, Period = TimeSpan.FromMinutes(1) },
        });
        await handler.SendLocations(new Caller(), Json.Parse($$"""{"pings":[{"latitude":1,"longitude":2,"timestamp":{{Now - 5000}}}]}"""));

        var refused = await Assert.ThrowsAsync<HubException>(() => handler.StreamLocations(new Caller(), Pings(3)));

        Assert.StartsWith("RATE_LIMITED: ", refused.Message);
        Assert.Single(_grains.User(UserId).Batches);
    }

    [Fact]
    public void The_signalr_user_is_the_tokens_sub_in_lowercase_guid_form()
    {
        var provider = new SubjectUserIdProvider();
        var id = Guid.NewGuid();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", id.ToString("D").ToUpperInvariant())], "test"));
        var connection = new HubConnectionContext(new FakeConnection(user), new HubConnectionContextOptions(), NullLoggerFactory.Instance);

        Assert.Equal(id.ToString(), provider.GetUserId(connection));
    }

    private static async IAsyncEnumerable<object> Pings(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return Json.Parse($$"""{"latitude":1,"longitude":2,"timestamp":{{Now - 1000 + i}}}""");
        }
    }

    private sealed class Caller(Guid userId) : HubCallerContext
    {
        public Caller()
            : this(UserId)
        {
        }

        public override string ConnectionId => "c1";
        public override string? UserIdentifier => userId.ToString();
        public override ClaimsPrincipal? User { get; } = new(new ClaimsIdentity([new Claim("sub", userId.ToString())], "test"));
        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort()
        {
        }
    }

    private sealed class FakeConnection : Microsoft.AspNetCore.Connections.ConnectionContext
    {
        public FakeConnection(ClaimsPrincipal user) => Features.Set<IConnectionUserFeature>(new UserFeature { User = user });

        public override string ConnectionId { get; set; } = "c1";
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
        public override System.IO.Pipelines.IDuplexPipe Transport { get; set; } = null!;

        private sealed class UserFeature : IConnectionUserFeature
        {
            public ClaimsPrincipal? User { get; set; }
        }
    }
}
