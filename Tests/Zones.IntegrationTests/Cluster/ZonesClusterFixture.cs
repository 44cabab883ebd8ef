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
        var redis = RedisConnectionString();
        _database = await TestDatabase.CreateAsync(migrate: true);
        var connectionString = _database.ConnectionString;

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSiloHost((_, host) => host.Services.AddZonesGrainServices(connectionString, redis));
        builder.ConfigureSilo((_, silo) => silo.AddZonesStorage(connectionString));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public Task DisposeAsync() => TearDownAsync(Cluster, _database);

    /// <summary>The test Redis that deploy/local/test.sh starts.</summary>
    public static string RedisConnectionString() =>
        Environment.GetEnvironmentVariable(RedisVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{RedisVariable} is not set: run deploy/local/test.sh, which starts a Redis and sets it.");

    /// <summary>Stops a test cluster's silos, then drops its database.</summary>
    public static async Task TearDownAsync(InProcessTestCluster? cluster, TestDatabase? database)
    {
        if (cluster is not null)
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }

        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ZonesClusterCollection : ICollectionFixture<ZonesClusterFixture>
{
    public const string Name = "zones cluster";
}
