using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Orleans;

namespace Zones.ApiTests.Host;

/// <summary>The real Api (ZonesApiApp.Build) on an in-memory server, with a fake cluster client supplied the
/// way a test host supplies its own: by registering an IClusterClient in the configure callback.</summary>
public class ApiHost : IAsyncLifetime
{
    private WebApplication? _app;
    private readonly InMemoryServer _server = new();

    public FakeGrains Grains { get; } = new();

    internal InMemoryServer Server => _server;

    /// <summary>Settings a derived host adds, as command-line arguments (<c>--Section:Key=value</c>).</summary>
    protected virtual string[] Settings => [];

    public async Task InitializeAsync()
    {
        _app = Zones.Api.ZonesApiApp.Build(
            ["--Jwt:SigningKey=an-in-memory-test-key-of-enough-length", "--Serilog:MinimumLevel:Default=Warning", "--Shutdown:DrainDelay=00:00:00", .. Settings],
            builder =>
            {
                builder.Services.AddSingleton<IServer>(_server);
                builder.Services.AddSingleton(FakeCluster.Create(Grains));
            });
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
