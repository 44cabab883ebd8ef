using Orleans.Hosting;
using Orleans.TestingHost;
using Zones.IntegrationTests.Infrastructure;
using Zones.Silo.Hosting;

namespace Zones.IntegrationTests.Cluster;

/// <summary>Two in-process silos wired exactly as the real silo wires its grains (PostgreSQL stores,
/// the batched writer, presence in ADO.NET grain storage, the SignalR publisher on the test Redis), on a
/// fresh migrated database. Membership is the test cluster's own.</summary>
public sealed class ZonesClusterFixture : IAsyncLifetime
{
    public const string RedisVariable = "ZONES_TEST_REDIS";

    TestDatabase? _database;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("not started");

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var redis = Environment.GetEnvironmentVariable(RedisVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{RedisVariable} is not set: run deploy/local/test.sh, which starts a Redis and sets it.");
        _database = await TestDatabase.CreateAsync(migrate: true);
        var connectionString = _database.ConnectionString;

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSiloHost((_, host) => host.Services.AddZonesGrainServices(connectionString, redis));
        builder.ConfigureSilo((_, silo) => silo.AddZonesStorage(connectionString));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ZonesClusterCollection : ICollectionFixture<ZonesClusterFixture>
{
    public const string Name = "zones cluster";
}
