using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Zones.Api.Realtime;

namespace Zones.Api.Operations;

/// <summary>The <c>Shutdown</c> configuration section.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>How long a stopping node keeps serving after its readiness turned 503, before it stops
    /// accepting: long enough for the balancer to see the failed check and send nothing new (HAProxy in
    /// deploy/local checks every second and takes a node out on the first failure). 0 in test hosts.</summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>Whether this node is draining: set the moment shutdown begins (SIGTERM), never cleared.</summary>
public sealed class DrainState
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void Begin() => _draining = true;
}

/// <summary>A graceful stop of an Api node behind a balancer. The moment shutdown begins, readiness turns 503;
/// the node keeps serving HTTP and hub connections for <see cref="ShutdownOptions.DrainDelay"/> while the balancer
/// takes it out, then asks every hub client to reconnect (they reach another node through the balancer), and
/// only then lets the server stop, which finishes the requests in flight.
/// On SIGTERM the host fires ApplicationStopping before anything else, and SignalR's own handler there closes
/// hub connections in a way clients take as final (no automatic reconnect). The drain therefore runs inside an
/// ApplicationStopping callback registered after SignalR's (callbacks run last-registered first) and blocks it
/// for the delay; a host stopped from code (StopAsync) runs it from <see cref="StoppingAsync"/> instead.</summary>
public sealed partial class GracefulDrain(
    DrainState state,
    HubConnectionRegistry hubConnections,
    IHostApplicationLifetime lifetime,
    IOptions<ShutdownOptions> options,
    TimeProvider time,
    ILogger<GracefulDrain> logger) : IHostedLifecycleService
{
    private readonly Lock _gate = new();
    private Task? _drain;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // Registered once the app runs, so after SignalR's connection manager registered its own callback.
        lifetime.ApplicationStopping.Register(() => DrainOnce().GetAwaiter().GetResult());
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => DrainOnce().WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private Task DrainOnce()
    {
        lock (_gate)
        {
            return _drain ??= Task.Run(DrainAsync);
        }
    }

    private async Task DrainAsync()
    {
        state.Begin();
        var delay = options.Value.DrainDelay;
        if (delay > TimeSpan.Zero)
        {
            LogDraining(logger, delay.TotalSeconds, hubConnections.Count);
            await Task.Delay(delay, time);
        }

        var closed = hubConnections.CloseAll();
        LogDrained(logger, closed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: readiness is 503; still serving for {Seconds} s while the balancer takes this node out ({HubConnections} hub connections open)")]
    private static partial void LogDraining(ILogger logger, double seconds, int hubConnections);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained: {HubConnections} hub clients asked to reconnect (to another node); finishing the requests in flight")]
    private static partial void LogDrained(ILogger logger, int hubConnections);
}

public static class GracefulDrainExtensions
{
    /// <summary>The drain on shutdown and the hub connection registry it closes.</summary>
    public static WebApplicationBuilder AddZonesGracefulDrain(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section)
            .Validate(o => o.DrainDelay >= TimeSpan.Zero && o.DrainDelay <= TimeSpan.FromSeconds(60),
                "Shutdown:DrainDelay must be between 0 and 60 seconds")
            .ValidateOnStart();
        builder.Services.AddSingleton<DrainState>();
        builder.Services.AddSingleton<HubConnectionRegistry>();
        builder.Services.AddSignalR(o => o.AddFilter<HubConnectionRegistry>());
        builder.Services.AddHostedService<GracefulDrain>();
        // The drain, then the requests in flight, must fit in the host's shutdown timeout.
        builder.Services.Configure<HostOptions>(o =>
        {
            var drain = builder.Configuration.GetSection(ShutdownOptions.Section).Get<ShutdownOptions>()?.DrainDelay
                ?? new ShutdownOptions().DrainDelay;
            o.ShutdownTimeout = TimeSpan.FromSeconds(Math.Max(o.ShutdownTimeout.TotalSeconds, drain.TotalSeconds + 25));
        });
        return builder;
    }

    /// <summary>Outermost: while draining, <c>/health/ready</c> answers 503 <c>{"status":"draining"}</c> at once,
    /// whatever the dependencies say, so the balancer stops sending new requests here.</summary>
    public static IApplicationBuilder UseZonesGracefulDrain(this IApplicationBuilder app)
    {
        var state = app.ApplicationServices.GetRequiredService<DrainState>();
        return app.Use(async (context, next) =>
        {
            if (state.IsDraining && context.Request.Path.Equals("/health/ready", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.CacheControl = "no-store";
                await context.Response.WriteAsJsonAsync(new { status = "draining" });
                return;
            }

            await next(context);
        });
    }
}
