using Orleans.Runtime;
using Zones.Geofencing;
using Zones.Users;
using static Zones.IntegrationTests.Cluster.CrashTestKit;

namespace Zones.IntegrationTests.Cluster;

/// <summary>Issue 3 item 7: the activity log has no duplicate and no gap when the silo dies between the
/// activity commit and the presence save, when a storage call fails, and when a client resends a batch.</summary>
[Collection(FaultClusterCollection.Name)]
public sealed class ExactlyOnceTests(FaultClusterFixture fixture)
{
    [Fact]
    public async Task A_crash_between_activity_commit_and_presence_save_is_healed_by_the_replayed_batch_without_duplicate_or_gap()
    {
        var (user, userId, zone, enterId, exitId) = await NewVisitorOfAAsync(fixture.Client);
        var entering = Batch(Away(0), InsideA(1));
        fixture.Faults.CrashAtPresenceSave(user.GetGrainId());

        await Assert.ThrowsAnyAsync<Exception>(() => user.ReportLocations(entering));

        Assert.True(fixture.Faults.StruckPresenceSaves(user.GetGrainId()) >= 1, "the crash did not strike");
        // The commit came before the crash: the enter is durable although the phone never got an answer.
        Assert.Equal([enterId], (await fixture.Database.DataSource.ActivitiesAsync(userId)).Select(a => a.Id));

        var replay = await user.ReportLocations(entering);

        Assert.Equal((2, 0), (replay.Accepted, replay.Ignored));
        Assert.Equal([(enterId, ActivityTypes.Enter, At(1))], replay.Events.Select(e => (e.Id, e.Type, e.Timestamp)));
        Assert.Equal([zone.Id], (await user.GetPresence()).InsideZoneIds);

        var left = await user.ReportLocations(Batch(Away(2)));

        Assert.Equal([exitId], left.Events.Select(e => e.Id));
        var log = await fixture.Database.DataSource.ActivitiesAsync(userId);
        Assert.Equal(
            [(enterId, ActivityTypes.Enter, At(1)), (exitId, ActivityTypes.Exit, At(2))],
            log.Select(a => (a.Id, a.Type, a.Timestamp)));
    }

    [Fact]
    public async Task After_a_crash_a_later_ping_reporting_the_same_enter_stores_no_second_row()
    {
        // The phone never resends the batch whose answer it lost; its next ping inside reproduces the same
        // transition (same visit, same id) at another time. One activity, not two rows with one id.
        var (user, userId, zone, enterId, _) = await NewVisitorOfAAsync(fixture.Client);
        fixture.Faults.CrashAtPresenceSave(user.GetGrainId());
        await Assert.ThrowsAnyAsync<Exception>(() => user.ReportLocations(Batch(Away(0), InsideA(1))));

        var later = await user.ReportLocations(Batch(InsideA(3)));

        Assert.Equal([enterId], later.Events.Select(e => e.Id));
        Assert.Equal([(enterId, ActivityTypes.Enter, At(1))],
            (await fixture.Database.DataSource.ActivitiesAsync(userId)).Select(a => (a.Id, a.Type, a.Timestamp)));
    }

    [Fact]
    public async Task A_presence_save_that_fails_once_leaves_one_enter_and_the_exit_of_the_same_visit()
    {
        // A transient storage error rather than a dead silo: the deactivation that follows may save presence.
        var (user, userId, zone, enterId, exitId) = await NewVisitorOfAAsync(fixture.Client);
        var entering = Batch(Away(0), InsideA(1));
        fixture.Faults.FailNextPresenceSave(user.GetGrainId());

        await Assert.ThrowsAnyAsync<Exception>(() => user.ReportLocations(entering));
        var replay = await user.ReportLocations(entering);
        var left = await user.ReportLocations(Batch(Away(2)));

        Assert.Equal(1, fixture.Faults.StruckPresenceSaves(user.GetGrainId()));
        // Either answer is right for the replay (presence may or may not have been saved on deactivation),
        // but an event it carries must be the stored one.
        Assert.All(replay.Events, e => Assert.Equal(enterId, e.Id));
        Assert.Equal([exitId], left.Events.Select(e => e.Id));
        var log = await fixture.Database.DataSource.ActivitiesAsync(userId);
        Assert.Equal(
            [(enterId, ActivityTypes.Enter, At(1)), (exitId, ActivityTypes.Exit, At(2))],
            log.Select(a => (a.Id, a.Type, a.Timestamp)));
    }

    [Fact]
    public async Task A_failed_activity_commit_is_stored_when_the_client_replays_the_batch()
    {
        var (user, userId, zone, enterId, exitId) = await NewVisitorOfAAsync(fixture.Client);
        var entering = Batch(Away(0), InsideA(1));
        fixture.Faults.FailNextActivityCommit(userId);

        await Assert.ThrowsAnyAsync<Exception>(() => user.ReportLocations(entering));

        Assert.Equal(1, fixture.Faults.StruckActivityCommits(userId));
        Assert.Empty(await fixture.Database.DataSource.ActivitiesAsync(userId));

        var replay = await user.ReportLocations(entering);
        var left = await user.ReportLocations(Batch(Away(2)));

        var log = await fixture.Database.DataSource.ActivitiesAsync(userId);
        Assert.Equal(
            [(enterId, ActivityTypes.Enter, At(1)), (exitId, ActivityTypes.Exit, At(2))],
            log.Select(a => (a.Id, a.Type, a.Timestamp)));
        Assert.Equal([enterId], replay.Events.Select(e => e.Id));
        Assert.Equal([exitId], left.Events.Select(e => e.Id));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_crash_at_a_random_transition_of_a_long_walk_then_a_full_resend_stores_exactly_the_clean_log(int seed)
    {
        var random = new Random(seed);
        var walk = RandomWalk(random, length: 30);

        // The reference: a user whose silo never fails, sent the walk ping by ping as a live phone would.
        var clean = await NewUserAsync(fixture.Client);
        var cleanZones = await CreateZonesAsync(clean);
        var cleanEvents = new List<IReadOnlyList<ZoneEvent>>();
        foreach (var ping in walk)
        {
            cleanEvents.Add((await clean.ReportLocations(Batch(ping))).Events);
        }
        var transitionPings = Enumerable.Range(0, walk.Length).Where(i => cleanEvents[i].Count > 0).ToList();
        Assert.True(transitionPings.Count >= 6, $"seed {seed} gives only {transitionPings.Count} transitions");
        var strike = random.Next(transitionPings.Count);

        var crashed = await NewUserAsync(fixture.Client);
        var crashedId = crashed.GetPrimaryKey();
        var crashedZones = await CreateZonesAsync(crashed);
        fixture.Faults.CrashAtPresenceSave(crashed.GetGrainId(), savesLetThrough: strike);
        int? failedAt = null;
        for (var i = 0; i < walk.Length && failedAt is null; i++)
        {
            try
            {
                await crashed.ReportLocations(Batch(walk[i]));
            }
            catch (Exception)
            {
                failedAt = i;
            }
        }
        Assert.Equal(transitionPings[strike], failedAt);

        // The phone got no answer from the crash on: it resends its whole buffer.
        var resent = await crashed.ReportLocations(new LocationBatch("phone", walk));

        Assert.Equal(
            cleanEvents.Skip(failedAt!.Value).SelectMany(e => e).Select(e => (cleanZones[e.ZoneId], e.Type, e.Timestamp)),
            resent.Events.Select(e => (crashedZones[e.ZoneId], e.Type, e.Timestamp)));
        var cleanLog = await fixture.Database.DataSource.ActivitiesAsync(clean.GetPrimaryKey());
        var crashedLog = await fixture.Database.DataSource.ActivitiesAsync(crashedId);
        Assert.Equal(
            cleanLog.Select(a => (cleanZones[a.ZoneId], a.Type, a.Timestamp)),
            crashedLog.Select(a => (crashedZones[a.ZoneId], a.Type, a.Timestamp)));
        Assert.Equal(ExpectedIds(crashedId, crashedLog), crashedLog.Select(a => a.Id));
        var (rows, distinctIds) = await fixture.Database.DataSource.CountAsync(crashedId);
        Assert.Equal(rows, distinctIds);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_batch_resent_because_its_answer_was_lost_is_ignored_and_stores_nothing(bool deactivatedMeanwhile)
    {
        var user = await NewUserAsync(fixture.Client);
        await user.CreateZone(CircleA());
        // Ends on a ping without a transition, so the high-water mark is ahead of the last presence save.
        var batch = Batch(Away(0), InsideA(1), InsideA(2), Away(3), InsideA(4), InsideA(5));

        var first = await user.ReportLocations(batch);
        var logBefore = await fixture.Database.DataSource.ActivitiesAsync(user.GetPrimaryKey());
        if (deactivatedMeanwhile)
        {
            await fixture.Cluster.DeactivateAsync(user);
        }

        var retry = await user.ReportLocations(batch);

        Assert.Equal([ActivityTypes.Enter, ActivityTypes.Exit, ActivityTypes.Enter], first.Events.Select(e => e.Type));
        Assert.Equal((0, batch.Pings.Count), (retry.Accepted, retry.Ignored));
        Assert.Empty(retry.Events);
        Assert.Equal(logBefore, await fixture.Database.DataSource.ActivitiesAsync(user.GetPrimaryKey()));
        Assert.Equal(3, logBefore.Count);
    }

    /// <summary>A walk among three places (away, zone A, zone B) that moves on most steps.</summary>
    static Ping[] RandomWalk(Random random, int length)
    {
        Func<int, Ping>[] places = [Away, InsideA, InsideB];
        var place = 0;
        var walk = new Ping[length];
        for (var i = 0; i < length; i++)
        {
            if (random.NextDouble() < 0.6)
            {
                place = (place + 1 + random.Next(2)) % places.Length;
            }
            walk[i] = places[place](i);
        }
        return walk;
    }

    /// <summary>Creates zones A and B and maps their ids to those names, so two users' logs compare.</summary>
    static async Task<Dictionary<Guid, string>> CreateZonesAsync(IUserGrain user)
    {
        var a = await user.CreateZone(CircleA());
        var b = await user.CreateZone(CircleB());
        return new Dictionary<Guid, string> { [a.Id] = "A", [b.Id] = "B" };
    }
}
