using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Zones.Accounts;
using Zones.Geofencing;
using Zones.Realtime;
using Zones.ServiceDefaults;
using Zones.Silo.Observability;
using Zones.Silo.Postgres;
using Zones.Silo.Realtime;
using Zones.Silo.Statistics;
using Zones.Users;

namespace Zones.Silo.Hosting;

/// <summary>The silo's Orleans settings (configuration section <c>Orleans</c>), validated at start.</summary>
public sealed class OrleansSettings : IValidatableObject
{
    public const string Section = "Orleans";

    [Required]
    public string ClusterId { get; set; } = "zones-local";
    [Required]
    public string ServiceId { get; set; } = "zones";
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
    /// <summary>The address other silos and clients reach this silo on.</summary>
    [Required]
    public string AdvertisedIP { get; set; } = "127.0.0.1";

    /// <summary>How long a grain (a user) may stay idle (no call, no reminder) before it is deactivated and its
    /// memory freed; its next call activates it again from PostgreSQL (two reads). Long enough that a phone
    /// pinging every few minutes stays in memory, short enough that users who stopped moving leave.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan GrainCollectionAge { get; set; } = DefaultGrainCollectionAge;

    public static readonly TimeSpan DefaultGrainCollectionAge = TimeSpan.FromHours(2);

    /// <summary>The address the silo and gateway ports are bound to; empty means <see cref="AdvertisedIP"/>.
    /// Never all interfaces by default: the silo network carries no authentication.</summary>
    public string? ListenIP { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(AdvertisedIP, out _))
        {
            yield return new ValidationResult($"Orleans:AdvertisedIP '{AdvertisedIP}' is not an IP address.", [nameof(AdvertisedIP)]);
        }

        if (!string.IsNullOrWhiteSpace(ListenIP) && !IPAddress.TryParse(ListenIP, out _))
        {
            yield return new ValidationResult($"Orleans:ListenIP '{ListenIP}' is not an IP address.", [nameof(ListenIP)]);
        }

        if (SiloPort == GatewayPort)
        {
            yield return new ValidationResult("Orleans:SiloPort and Orleans:GatewayPort must differ.", [nameof(GatewayPort)]);
        }
    }

    /// <summary>Binds both Orleans ports to <see cref="ListenIP"/> (or the advertised address), never to
    /// 0.0.0.0 unless an operator asks for it explicitly.</summary>
    public void ApplyTo(EndpointOptions endpoints)
    {
        var advertised = IPAddress.Parse(AdvertisedIP);
        var listen = string.IsNullOrWhiteSpace(ListenIP) ? advertised : IPAddress.Parse(ListenIP);
        endpoints.AdvertisedIPAddress = advertised;
        endpoints.SiloPort = SiloPort;
        endpoints.GatewayPort = GatewayPort;
        endpoints.SiloListeningEndpoint = new IPEndPoint(listen, SiloPort);
        endpoints.GatewayListeningEndpoint = new IPEndPoint(listen, GatewayPort);
    }
}

public static class SiloHostExtensions
{
    /// <summary>Orleans with PostgreSQL membership, presence storage and reminders, plus the grains' adapters.</summary>
    public static WebApplicationBuilder AddZonesSilo(this WebApplicationBuilder builder)
    {
        var postgres = DatabaseOutage.WithFailFastDefaults(RequiredConnectionString(builder.Configuration, "Postgres"));
        var redis = RequiredConnectionString(builder.Configuration, "Redis");
        var settings = builder.Configuration.GetSection(OrleansSettings.Section).Get<OrleansSettings>() ?? new OrleansSettings();
        // Validated before anything starts, so a bad address or port stops the silo with a message naming it.
        builder.Services.AddOptions<OrleansSettings>().BindConfiguration(OrleansSettings.Section)
            .ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddZonesGrainServices(postgres, redis);
        // One per process: it reads the process-wide meter, so in-process test clusters leave it out.
        builder.Services.AddHostedService<PingRateReporter>();
        builder.Services.AddActivityPartitionMaintenance();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            // Through the validated options: a bad address fails with the validation message, not a parse error.
            silo.Services.AddOptions<EndpointOptions>()
                .Configure<Microsoft.Extensions.Options.IOptions<OrleansSettings>>((endpoints, validated) => validated.Value.ApplyTo(endpoints));
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = postgres;
            });
            silo.AddZonesStorage(postgres);
            silo.Configure<ClusterMembershipOptions>(ConfigureFastFailureDetection);
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = settings.GrainCollectionAge);
            silo.AddZonesOrleansDashboard(builder.Configuration);
        });
        return builder;
    }

    /// <summary>Durable reminders (dwell wake-ups) in PostgreSQL. Presence is not Orleans grain storage: it is
    /// written with the activities, in their transaction (<see cref="Zones.Silo.Postgres.ActivityWriter"/>).
    /// A database outage met in any grain call reaches the caller as UNAVAILABLE (<see cref="DatabaseOutageFilter"/>).</summary>
    public static ISiloBuilder AddZonesStorage(this ISiloBuilder silo, string postgres)
    {
        silo.AddIncomingGrainCallFilter<DatabaseOutageFilter>();
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = postgres;
        });
        return silo;
    }

    /// <summary>Everything the grains depend on: PostgreSQL adapters, the batched activity writer, and the
    /// SignalR publisher on the Redis backplane. Shared by the silo host and the test clusters.</summary>
    public static IServiceCollection AddZonesGrainServices(this IServiceCollection services, string postgres, string redis)
    {
        services.AddOptions<GeofencingOptions>().BindConfiguration(GeofencingOptions.Section)
            .Validate(o => o.ConfirmFixes >= 1, "Geofencing:ConfirmFixes must be at least 1").ValidateOnStart();
        services.AddOptions<UserLimits>().BindConfiguration(UserLimits.Section)
            .Validate(o => o.MaxZonesPerUser >= 1, "Limits:MaxZonesPerUser must be at least 1")
            .Validate(o => o.MaxEventsPerAnswer >= 1, "Limits:MaxEventsPerAnswer must be at least 1").ValidateOnStart();
        services.AddOptions<AccountsOptions>().BindConfiguration(AccountsOptions.Section)
            .Validate(o => o.RefreshTokenDays is >= 1 and <= 365, "Auth:RefreshTokenDays must be between 1 and 365.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddZonesPostgres(postgres);
        // Every protocol an Api node offers: the backplane carries each event pre-serialized in the publisher's
        // protocols, and a node cannot serialize a message it received from Redis for a protocol that is missing.
        services.AddSignalR()
            .AddMessagePackProtocol()
            .AddZonesRedisBackplane(redis, ZonesHub.RedisChannelPrefix);
        services.AddSingleton<IZoneEventPublisher, SignalRZoneEventPublisher>();
        return services;
    }

    /// <summary>A killed silo is declared dead in about two seconds rather than the default ~15-60 s, so its users
    /// reactivate elsewhere while the Api is still retrying their batches (docs/operations.md has the measurements
    /// and the trade-off). Every silo probes every other once a second; two missed probes in a row make a
    /// suspicion; a suspicion is confirmed through another silo (indirect probe) before it becomes a vote, so a
    /// link problem between two silos does not kill either; two votes (the two survivors of three) declare death.
    /// A silo that is itself starved (its own probes late) stretches its probe timeout instead of voting others
    /// dead (ExtendProbeTimeoutDuringDegradation, on by default).</summary>
    internal static void ConfigureFastFailureDetection(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 2;
        o.EnableIndirectProbes = true;
        o.ExtendProbeTimeoutDuringDegradation = true;
        // Two votes count together only if cast within this window: wide enough for the second survivor's probes,
        // narrow enough that an old suspicion of a since-recovered silo cannot combine with a new one.
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
    }

    static string RequiredConnectionString(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"Missing setting ConnectionStrings:{name} (environment variable ConnectionStrings__{name}).");
}
