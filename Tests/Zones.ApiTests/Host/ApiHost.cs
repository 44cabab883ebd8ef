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

    /// <summary>This host's own image directory, removed when the host stops.</summary>
    public string ImagesDirectory { get; } = Path.Combine(Path.GetTempPath(), "zones-api-tests-" + Guid.NewGuid().ToString("N"));

    internal InMemoryServer Server => _server;

    /// <summary>Settings a derived host adds, as command-line arguments (<c>--Section:Key=value</c>). Rate limits are
    /// off unless a host turns them on (RateLimitTests): with them, a test's outcome would depend on how many
    /// requests its neighbours in the same host sent from the same (absent) address.</summary>
    protected virtual string[] Settings => [];

    /// <summary>Service overrides of a derived host (a clock it moves), after the Api's own registrations.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        _app = Zones.Api.ZonesApiApp.Build(
            ["--Jwt:SigningKey=an-in-memory-test-key-of-enough-length", "--Serilog:MinimumLevel:Default=Warning",
                $"--Images:Directory={ImagesDirectory}",
                "--RateLimits:Enabled=false", "--Shutdown:DrainDelay=00:00:00", .. Settings],
            builder =>
            {
                builder.Services.AddSingleton<IServer>(_server);
                builder.Services.AddSingleton(FakeCluster.Create(Grains));
                ConfigureServices(builder.Services);
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

        if (Directory.Exists(ImagesDirectory))
        {
            Directory.Delete(ImagesDirectory, recursive: true);
        }
    }
}
