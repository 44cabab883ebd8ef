using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Zones.IntegrationTests.Infrastructure;

namespace Zones.IntegrationTests;

/// <summary>A grain that exercises every persistence and reminder query the providers run.</summary>
[Alias("Zones.IntegrationTests.ISchemaProbeGrain")]
public interface ISchemaProbeGrain : IGrainWithGuidKey
{
    [Alias("Save")] Task Save(string value);
    [Alias("Load")] Task<string?> Load();
    [Alias("Clear")] Task Clear();
    [Alias("Remind")] Task Remind();
    [Alias("Forget")] Task Forget();
    [Alias("ReminderNames")] Task<IReadOnlyList<string>> ReminderNames();
    [Alias("Deactivate")] Task Deactivate();
}

[GenerateSerializer, Alias("Zones.IntegrationTests.ProbeState")]
public sealed class ProbeState
{
    [Id(0)] public string? Value { get; set; }
}

public sealed class SchemaProbeGrain([PersistentState("probe", OrleansSchemaTests.StorageName)] IPersistentState<ProbeState> state)
    : Grain, ISchemaProbeGrain, IRemindable
{
    public async Task Save(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public Task<string?> Load() => Task.FromResult(state.State.Value);

    public Task Clear() => state.ClearStateAsync();

    public Task Remind() => this.RegisterOrUpdateReminder("probe", TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));

    public async Task Forget()
    {
        if (await this.GetReminder("probe") is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task<IReadOnlyList<string>> ReminderNames() =>
        (await this.GetReminders()).Select(r => r.ReminderName).ToList();

    public Task Deactivate()
    {
        this.DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}

/// <summary>Proves the project's own SQL matches the contract of Orleans' ADO.NET providers: a real silo
/// joins the cluster, stores, reads and clears grain state, registers and removes a reminder, serves
/// a client that found it through the gateway query, and leaves the table as Dead on shutdown.</summary>
public sealed class OrleansSchemaTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    public const string StorageName = "presence";
    private const int Active = 3;
    private const int Dead = 6;

    [Fact]
    public async Task A_silo_runs_clustering_grain_storage_and_reminders_on_the_migrated_schema()
    {
        var clusterId = $"smoke-{Guid.NewGuid():N}";
        const string serviceId = "zones-smoke";
        var (siloPort, gatewayPort) = (FreePort(), FreePort());

        var siloBuilder = Host.CreateApplicationBuilder();
        siloBuilder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId));
            silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", db.ConnectionString));
            silo.AddAdoNetGrainStorage(StorageName, o => (o.Invariant, o.ConnectionString) = ("Npgsql", db.ConnectionString));
            silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = ("Npgsql", db.ConnectionString));
        });
        using var silo = siloBuilder.Build();
        await silo.StartAsync();

        var status = await db.DataSource.ScalarAsync<int>(
            "SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = @c AND Port = @p", ("c", clusterId), ("p", siloPort));
        Assert.Equal(Active, status);

        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var probe = grains.GetGrain<ISchemaProbeGrain>(Guid.NewGuid());

        // First write inserts (version 1), the second updates with the ETag (version 2).
        await probe.Save("first");
        await probe.Save("second");
        Assert.Equal(2, await StoredVersionAsync(serviceId));
        await probe.Deactivate();
        Assert.Equal("second", await Eventually.Until(() => probe.Load(), v => v is not null, "the state to be read back"));

        await probe.Remind();
        Assert.Equal(1L, await db.DataSource.ScalarAsync<long>(
            "SELECT count(*) FROM OrleansRemindersTable WHERE ServiceId = @s AND ReminderName = 'probe'", ("s", serviceId)));
        Assert.Equal(["probe"], await probe.ReminderNames());
        await probe.Forget();
        Assert.Empty(await probe.ReminderNames());

        await probe.Clear();
        Assert.Equal(3, await StoredVersionAsync(serviceId));
        Assert.True(await db.DataSource.ScalarAsync<bool>(
            "SELECT PayloadBinary IS NULL FROM OrleansStorage WHERE ServiceId = @s", ("s", serviceId)));
        await probe.Deactivate();
        Assert.Null(await probe.Load());
        await probe.Save("after clear");
        Assert.Equal(4, await StoredVersionAsync(serviceId));

        // A client finds the silo through the gateway query and reaches the same grain.
        var clientBuilder = Host.CreateApplicationBuilder();
        clientBuilder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId));
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", db.ConnectionString));
        });
        using (var clientHost = clientBuilder.Build())
        {
            await clientHost.StartAsync();
            var viaClient = clientHost.Services.GetRequiredService<IClusterClient>().GetGrain<ISchemaProbeGrain>(probe.GetPrimaryKey());
            Assert.Equal("after clear", await viaClient.Load());
            await clientHost.StopAsync();
        }

        await silo.StopAsync();
        var finalStatus = await db.DataSource.ScalarAsync<int>(
            "SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = @c AND Port = @p", ("c", clusterId), ("p", siloPort));
        Assert.Equal(Dead, finalStatus);
        Assert.True(await db.DataSource.ScalarAsync<int>(
            "SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = @c", ("c", clusterId)) >= 2);
    }

    private Task<int> StoredVersionAsync(string serviceId) =>
        db.DataSource.ScalarAsync<int>("SELECT Version FROM OrleansStorage WHERE ServiceId = @s", ("s", serviceId));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
