using Orleans.Configuration;
using Orleans.Hosting;

namespace Zones.Api.Infrastructure;

/// <summary>The <c>Orleans</c> configuration section.</summary>
public sealed class OrleansClientOptions
{
    public const string Section = "Orleans";

    [System.ComponentModel.DataAnnotations.Required]
    public string ClusterId { get; set; } = "zones-local";

    [System.ComponentModel.DataAnnotations.Required]
    public string ServiceId { get; set; } = "zones";

    /// <summary>True when the host supplies its own <see cref="IClusterClient"/> (a test cluster's).</summary>
    public bool UseExternalClient { get; set; }
}

public static partial class ClusterClientExtensions
{
    /// <summary>The Orleans client, finding silos through the ADO.NET membership table in PostgreSQL.
    /// Skipped when the host already registered an <see cref="IClusterClient"/> or set
    /// <c>Orleans:UseExternalClient</c>: a test host brings its InProcessTestCluster's client.</summary>
    public static WebApplicationBuilder AddZonesClusterClient(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(OrleansClientOptions.Section).Get<OrleansClientOptions>() ?? new();
        builder.Services.AddOptions<OrleansClientOptions>().BindConfiguration(OrleansClientOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SiloLossWatch>();
        if (options.UseExternalClient || builder.Services.Any(s => s.ServiceType == typeof(IClusterClient)))
        {
            return builder;
        }

        var connectionString = builder.Configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres (env ConnectionStrings__Postgres) is required: the Api finds the silos through the membership table.");
        }

        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            // The default is a minute; a silo that was killed should stop being offered as a gateway sooner.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(10));
            // The longest any call waits (Orleans' default is 30 s). Not shorter: a call may legitimately take
            // seconds (an account deleted with its history, a year of statistics) on a loaded cluster. Answers lost
            // with a killed silo are not waited for that long (SiloLossWatch): ping batches in flight when a
            // gateway connection closes are resent (LocationsApi.Report); other calls fail 2 s later with 503.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            client.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<SiloLossWatch>());
            client.AddOutgoingGrainCallFilter<AbandonOnSiloLoss>();
            client.UseConnectionRetryFilter<RetryUntilStopped>();
        });
        return builder;
    }

    /// <summary>Api nodes may start before any silo (compose, Kubernetes): keep trying to join instead of
    /// crashing, until the host is stopped.</summary>
    private sealed partial class RetryUntilStopped(ILogger<RetryUntilStopped> logger) : IClientConnectionRetryFilter
    {
        private int _attempts;

        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            ClusterNotReachable(logger, ++_attempts, exception.Message);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            return !cancellationToken.IsCancellationRequested;
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster not reachable (attempt {Attempt}): {Reason}; retrying")]
        private static partial void ClusterNotReachable(ILogger logger, int attempt, string reason);
    }
}
