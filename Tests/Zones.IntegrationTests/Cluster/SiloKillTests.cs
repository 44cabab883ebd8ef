using Orleans.Runtime;
using Zones.Geofencing;
using Zones.IntegrationTests.Infrastructure;
using Zones.Users;
using static Zones.IntegrationTests.Cluster.CrashTestKit;

namespace Zones.IntegrationTests.Cluster;

/// <summary>A silo killed under a user: the user reactivates elsewhere from stored presence.</summary>
[Collection(SiloKillClusterCollection.Name)]
public sealed class SiloKillTests(SiloKillClusterFixture fixture)
{
    [Fact]
    public async Task A_user_whose_silo_is_killed_after_an_enter_resumes_on_another_silo_without_a_second_enter()
    {
        var (user, userId, zone, enterId, exitId) = await NewVisitorOfAAsync(fixture.Client);
        var entered = await user.ReportLocations(Batch(Away(0), InsideA(1)));
        Assert.Equal([enterId], entered.Events.Select(e => e.Id));

        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(user)
            ?? throw new InvalidOperationException("the user's activation is not in the directory");
        var victim = fixture.Cluster.GetSiloForAddress(host)
            ?? throw new InvalidOperationException($"no silo of the cluster is {host}");
        try
        {
            await fixture.Cluster.KillSiloAsync(victim);
        }
        catch (OperationCanceledException)
        {
            // A kill is a host stop with an already cancelled token, and ActivityWriter.StopAsync throws on it
            // (after Orleans itself has stopped): the silo is down all the same (IsActive is false).
        }
        Assert.False(victim.IsActive);

        var presence = await Eventually.Until(
            async () =>
            {
                try
                {
                    return await user.GetPresence();
                }
                catch (Exception)
                {
                    // Until the survivors vote the killed silo dead, calls to its activation fail.
                    return null;
                }
            },
            p => p is not null, "the user to reactivate on a surviving silo", TimeSpan.FromSeconds(90));
        var newHost = await management.GetActivationAddress(user);

        Assert.NotEqual(host, newHost);
        Assert.Contains(newHost, fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress));
        Assert.Equal([zone.Id], presence!.InsideZoneIds);

        var stillInside = await user.ReportLocations(Batch(InsideA(2)));
        var left = await user.ReportLocations(Batch(Away(3)));

        Assert.Empty(stillInside.Events);
        Assert.Equal([exitId], left.Events.Select(e => e.Id));
        var log = await fixture.Database.DataSource.ActivitiesAsync(userId);
        Assert.Equal(
            [(enterId, ActivityTypes.Enter, At(1)), (exitId, ActivityTypes.Exit, At(3))],
            log.Select(a => (a.Id, a.Type, a.Timestamp)));
    }
}
