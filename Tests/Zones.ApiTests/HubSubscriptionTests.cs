using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zones.Accounts;
using Zones.Api.Auth;
using Zones.ApiTests.Host;
using Zones.Realtime;

namespace Zones.ApiTests;

/// <summary>A client that reconnects and catches up must not miss a transition stored in between. SignalR completes the
/// client's (re)connect before the backplane has subscribed the connection to its user's channel; the hub's
/// <c>subscribed</c> message is what says delivery is in place, so a client catches up when it arrives. Here the
/// subscription takes a second (a slow Redis SUBSCRIBE, or a node busy taking over a dead node's clients).</summary>
public sealed class HubSubscriptionTests : IAsyncLifetime
{
    private static readonly TimeSpan SubscribeDelay = TimeSpan.FromSeconds(1);
    private WebApplication? _app;
    private Uri? _url;

    public async Task InitializeAsync()
    {
        // Kestrel on a free loopback port: the SignalR client needs a real WebSocket.
        _app = Zones.Api.ZonesApiApp.Build(
            ["--Jwt:SigningKey=an-in-memory-test-key-of-enough-length", "--Serilog:MinimumLevel:Default=Warning",
                "--RateLimits:Enabled=false", "--Shutdown:DrainDelay=00:00:00", "--urls=http://127.0.0.1:0"],
            builder =>
            {
                builder.Services.AddSingleton(FakeCluster.Create(new FakeGrains()));
                builder.Services.AddSingleton<HubLifetimeManager<ZonesHub>, SlowlySubscribingLifetimeManager>();
            });
        await _app.StartAsync();
        _url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_event_published_once_the_client_is_told_subscribed_is_pushed_to_it_even_when_subscribing_is_slow()
    {
        var userId = Guid.NewGuid();
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var events = Channel.CreateUnbounded<JsonElement>();
        await using var connection = Connect(userId);
        connection.On(ZonesHub.SubscribedMethod, () => subscribed.TrySetResult());
        connection.On<JsonElement>(ZonesHub.ZoneEventMethod, e => events.Writer.TryWrite(e));

        await connection.StartAsync();
        Assert.True(await Task.WhenAny(subscribed.Task, Task.Delay(TimeSpan.FromSeconds(10))) == subscribed.Task,
            "the hub sent no 'subscribed' message within 10 s of the connection: a client cannot tell when to catch up");
        // What a grain does right after it stored a transition (a client's catch-up read just before would not see it).
        await _app!.Services.GetRequiredService<IHubContext<ZonesHub>>().Clients.User(userId.ToString("D"))
            .SendAsync(ZonesHub.ZoneEventMethod, new { id = "stored-after-subscribed" });

        var pushed = events.Reader.ReadAsync().AsTask();
        Assert.True(await Task.WhenAny(pushed, Task.Delay(TimeSpan.FromSeconds(5))) == pushed,
            "an event published after 'subscribed' arrived was not pushed within 5 s");
        Assert.Equal("stored-after-subscribed", (await pushed).GetProperty("id").GetString());
    }

    private HubConnection Connect(Guid userId)
    {
        var token = _app!.Services.GetRequiredService<TokenService>().Issue(
            new UserProfile(userId, "hub@example.test", "hub_user", "Hub", null, null, null, null, 0, "user", 0, 0)).AccessToken;
        return new HubConnectionBuilder()
            .WithUrl(new Uri(_url!, ZonesHub.Path), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
    }

    /// <summary>The in-memory lifetime manager, with the subscription (its connect) taking <see cref="SubscribeDelay"/>.</summary>
    private sealed class SlowlySubscribingLifetimeManager(ILogger<DefaultHubLifetimeManager<ZonesHub>> logger)
        : DefaultHubLifetimeManager<ZonesHub>(logger)
    {
        public override async Task OnConnectedAsync(HubConnectionContext connection)
        {
            await Task.Delay(SubscribeDelay);
            await base.OnConnectedAsync(connection);
        }
    }
}
