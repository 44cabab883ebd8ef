using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Zones.Accounts;
using Zones.Api.Auth;
using Zones.Api.Realtime;

namespace Zones.ApiTests;

/// <summary>A hub connection opened with a token that is later revoked (account deleted, logged out everywhere) is
/// cut at once, on whichever node learns of the revocation; other users' connections and newer tokens stay.</summary>
public sealed class HubConnectionRevocationTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private readonly AccessTokenRevocations _revocations =
        new(Options.Create(new JwtOptions { AccessTokenMinutes = 15 }), TimeProvider.System);

    [Fact]
    public async Task Revoking_a_user_aborts_that_users_open_connections_and_no_others()
    {
        var registry = new HubConnectionRegistry(_revocations);
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();
        var alicePhone = await ConnectAsync(registry, alice, issuedAt: Now.AddMinutes(-5));
        var aliceTablet = await ConnectAsync(registry, alice, issuedAt: Now.AddMinutes(-1));
        var bobPhone = await ConnectAsync(registry, bob, issuedAt: Now.AddMinutes(-5));

        _revocations.Apply(new AccessRevocation(alice, Now.ToUnixTimeMilliseconds()));

        Assert.True(alicePhone.Aborted);
        Assert.True(aliceTablet.Aborted);
        Assert.False(bobPhone.Aborted);
    }

    [Fact]
    public async Task A_connection_opened_with_a_token_issued_after_the_revocation_stays_open()
    {
        var registry = new HubConnectionRegistry(_revocations);
        var alice = Guid.NewGuid();
        var relogged = await ConnectAsync(registry, alice, issuedAt: Now.AddMinutes(1));

        _revocations.Apply(new AccessRevocation(alice, Now.ToUnixTimeMilliseconds()));

        Assert.False(relogged.Aborted);
    }

    [Fact]
    public async Task A_closed_connection_is_forgotten()
    {
        var registry = new HubConnectionRegistry(_revocations);
        var alice = Guid.NewGuid();
        var phone = await ConnectAsync(registry, alice, issuedAt: Now.AddMinutes(-5));
        await registry.OnDisconnectedAsync(new HubLifetimeContext(phone, EmptyServices.Instance, new NoHub()), null, (_, _) => Task.CompletedTask);

        _revocations.Apply(new AccessRevocation(alice, Now.ToUnixTimeMilliseconds()));

        Assert.False(phone.Aborted);
        Assert.Equal(0, registry.Count);
    }

    private static async Task<FakeConnection> ConnectAsync(HubConnectionRegistry registry, Guid userId, DateTimeOffset issuedAt)
    {
        var connection = new FakeConnection(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("sub", userId.ToString()), new Claim("iat", issuedAt.ToUnixTimeSeconds().ToString())], "Bearer")));
        await registry.OnConnectedAsync(new HubLifetimeContext(connection, EmptyServices.Instance, new NoHub()), _ => Task.CompletedTask);
        return connection;
    }

    private sealed class FakeConnection(ClaimsPrincipal user) : HubCallerContext
    {
        public bool Aborted { get; private set; }

        public override string ConnectionId { get; } = Guid.NewGuid().ToString("N");

        public override string? UserIdentifier => null;

        public override ClaimsPrincipal? User => user;

        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort() => Aborted = true;
    }

    private sealed class NoHub : Hub;

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
