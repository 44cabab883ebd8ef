using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using Zones.Activities;
using Zones.Geofencing;
using Zones.IntegrationTests.Infrastructure;
using Zones.Realtime;
using Zones.Silo.Realtime;
using Zones.Silo.Hosting;
using Zones.Silo.Postgres;
using Zones.Users;

namespace Zones.IntegrationTests.Cluster;

/// <summary>A cluster of its own for crash tests, wired like <see cref="ZonesClusterFixture"/> (the real grain
/// services on a fresh migrated database) except that the activity writer (activities and presence, one
/// transaction) sits behind a <see cref="CrashSwitch"/>. Membership detects a killed silo in seconds.</summary>
public abstract class CrashClusterFixture : IAsyncLifetime
{
    TestDatabase? _database;

    protected abstract short SiloCount { get; }

    public CrashSwitch Faults { get; } = new();

    /// <summary>The events the silos pushed, per user, in the order they were handed to the backplane.</summary>
    public PushLog Pushes { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("not started");

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var redis = ZonesClusterFixture.RedisConnectionString();
        _database = await TestDatabase.CreateAsync(migrate: true);
        var postgres = _database.ConnectionString;
        var faults = Faults;
        var pushes = Pushes;

        var builder = new InProcessTestClusterBuilder(SiloCount);
        builder.ConfigureSiloHost((_, host) =>
        {
            // Registered before the grain services, whose TryAdd then keeps this decorator as the writer.
            host.Services.AddSingleton<IActivityWriter>(sp =>
                new FaultInjectingActivityWriter(sp.GetRequiredService<ActivityWriter>(), faults));
            host.Services.AddZonesGrainServices(postgres, redis);
            // Registered after them: every push still goes to the backplane, and the tests see which were made.
            host.Services.AddSingleton<IZoneEventPublisher>(sp =>
                new RecordingPublisher(ActivatorUtilities.CreateInstance<SignalRZoneEventPublisher>(sp), pushes));
        });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = postgres;
            });
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public Task DisposeAsync() => ZonesClusterFixture.TearDownAsync(Cluster, _database);
}

/// <summary>Two silos whose presence saves and activity commits the tests can make fail.</summary>
public sealed class FaultClusterFixture : CrashClusterFixture
{
    protected override short SiloCount => 2;
}

/// <summary>Three silos, so that after one is killed two remain to vote it dead and host its grains.</summary>
public sealed class SiloKillClusterFixture : CrashClusterFixture
{
    protected override short SiloCount => 3;
}

[CollectionDefinition(Name)]
public sealed class FaultClusterCollection : ICollectionFixture<FaultClusterFixture>
{
    public const string Name = "zones crash cluster";
}

[CollectionDefinition(Name)]
public sealed class SiloKillClusterCollection : ICollectionFixture<SiloKillClusterFixture>
{
    public const string Name = "zones silo kill cluster";
}

/// <summary>What <see cref="RecordingPublisher"/> saw: the ids pushed to each user, in order.</summary>
public sealed class PushLog
{
    readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, List<Guid>> _pushed = new();

    public void Add(Guid userId, IEnumerable<Guid> ids)
    {
        var list = _pushed.GetOrAdd(userId, _ => []);
        lock (list)
        {
            list.AddRange(ids);
        }
    }

    public IReadOnlyList<Guid> For(Guid userId)
    {
        if (!_pushed.TryGetValue(userId, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }
}

/// <summary>Notes each push in a <see cref="PushLog"/>, then makes it.</summary>
public sealed class RecordingPublisher(IZoneEventPublisher inner, PushLog log) : IZoneEventPublisher
{
    public Task PublishAsync(Guid userId, IReadOnlyList<ZoneEvent> events, CancellationToken cancellationToken = default)
    {
        log.Add(userId, events.Select(e => e.Id));
        return inner.PublishAsync(userId, events, cancellationToken);
    }
}
