using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using Zones.Activities;
using Zones.IntegrationTests.Infrastructure;
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

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("not started");

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var redis = ZonesClusterFixture.RedisConnectionString();
        _database = await TestDatabase.CreateAsync(migrate: true);
        var postgres = _database.ConnectionString;
        var faults = Faults;

        var builder = new InProcessTestClusterBuilder(SiloCount);
        builder.ConfigureSiloHost((_, host) =>
        {
            // Registered before the grain services, whose TryAdd then keeps this decorator as the writer.
            host.Services.AddSingleton<IActivityWriter>(sp =>
                new FaultInjectingActivityWriter(sp.GetRequiredService<ActivityWriter>(), faults));
            host.Services.AddZonesGrainServices(postgres, redis);
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
