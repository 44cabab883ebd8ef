using Orleans.Runtime;
using Zones.Geofencing;
using Zones.Users;
using static Zones.IntegrationTests.Cluster.CrashTestKit;

namespace Zones.IntegrationTests.Cluster;

/// <summary>Issue 3 item 7: the activity log has no duplicate and no gap when the silo dies right after a commit
/// (activities and presence are one transaction, so there is no moment in between), when a commit fails, and when
/// a client resends a batch.</summary>
[Collection(FaultClusterCollection.Name)]
public sealed class ExactlyOnceTests(FaultClusterFixture fixture)
{
    [Fact]
    public async Task A_crash_after_the_commit_loses_only_the_answer_and_the_resent_batch_is_ignored()
    {
        var (user, userId, zone, enterId, exitId) = await NewVisitorOfAAsync(fixture.Client);
        var entering = Batch(Away(0), InsideA(1));
        fixture.Faults.CrashAfterCommit(userId);

        await Assert.ThrowsAnyAsync<Exception>(() => user.ReportLocations(entering));

        Assert.Equal(1, fixture.Faults.CrashesAfterCommit(userId));
        // The commit came before the crash: the enter is durable although the phone never got an answer.
        Assert.Equal([enterId], (await fixture.Database.DataSource.ActivitiesAsync(userId)).Select(a => a.Id));

        var replay = await user.ReportLocations(entering);

        // Presence was committed with the enter: the resent pings are old news, and the phone finds the enter
        // in its history (GET /activities), not a second time in an answer.
        Assert.Equal((0, 2), (replay.Accepted, replay.Ignored));
        Assert.Empty(replay.Events);
        Assert.Equal([zone.Id], (await user.GetPresence()).InsideZoneIds);

        var left = await user.ReportLocations(Batch(Away(2)));

        Assert.Equal([exitId], left.Events.Select(e => e.Id));
        var log = await fixture.Database.DataSource.ActivitiesAsync(userId);
        Assert.Equal(
            [(enterId, ActivityTypes.Enter, At(1)), (exitId, ActivityTypes.Exit, At(2))],
            log.Select(a => (a.Id, a.Type, a.Timestamp)));
    }

    [Fact]
    public async Task A_batch_resent_after_its_answer_was_lost_with_the_silo_answers_the_events_the_lost_answer_carried()
    {
        // The reference: the same walk answered normally, by a user whose silo never fails.
        var clean = await NewUserAsync(fixture.Client);
        var cleanZones = await CreateZonesAsync(clean);
        var walk = Batch(Away(0), InsideA(1), InsideB(2), InsideB(3), Away(4), InsideA(5));
        var cleanAnswer = await clean.ReportLocations(walk);

        var user = await NewUserAsync(fixture.Client);
        var userId = user.GetPrimaryKey();
        var zones = await CreateZonesAsync(user);
        fixture.Faults.CrashAfterCommit(userId);
        await Assert.ThrowsAnyAsync<Exception>(() => user.ReportLocations(walk));
        Assert.Equal(1, fixture.Faults.CrashesAfterCommit(userId));

        // The Api sends it again, marked: every ping is old news now, yet the answer says what the batch caused.
        var resent = await user.ReportLocations(walk with { Resent = true });

        Assert.Equal((0, walk.Pings.Count, 0), (resent.Accepted, resent.Ignored, resent.EventsOmitted));
        Assert.Equal(5, cleanAnswer.Events.Count);
        Assert.Equal(
            cleanAnswer.Events.Select(e => (cleanZones[e.ZoneId], e.Type, e.Timestamp, e.Latitude, e.Longitude, e.ZoneName, e.NotificationText)),
            resent.Events.Select(e => (zones[e.ZoneId], e.Type, e.Timestamp, e.Latitude, e.Longitude, e.ZoneName, e.NotificationText)));
        var log = await fixture.Database.DataSource.ActivitiesAsync(userId);
        Assert.Equal(ExpectedIds(userId, log).Order(), resent.Events.Select(e => e.Id).Order());
        Assert.Equal(log.Count, resent.Events.Count);

        // A first attempt of the same pings stays as it was: ignored, no events, no read.
        Assert.Empty((await user.ReportLocations(walk)).Events);
    }

    [Fact]
    public async Task A_resent_batch_with_newer_pings_answers_the_stored_events_then_the_new_ones()
    {
        var (user, userId, zone, enterId, exitId) = await NewVisitorOfAAsync(fixture.Client);
        fixture.Faults.CrashAfterCommit(userId);
        await Assert.ThrowsAnyAsync<Exception>(() => user.ReportLocations(Batch(Away(0), InsideA(1))));

        // Sent again with a newer fix added (a device that buffered one more meanwhile).
        var resent = await user.ReportLocations(Batch(Away(0), InsideA(1), Away(3)) with { Resent = true });

        Assert.Equal((1, 2), (resent.Accepted, resent.Ignored));
        Assert.Equal([enterId, exitId], resent.Events.Select(e => e.Id));
        Assert.Equal([enterId, exitId], (await fixture.Database.DataSource.ActivitiesAsync(userId)).Select(a => a.Id));
    }

    [Fact]
    public async Task A_batch_resent_after_its_answer_was_lost_pushes_the_stored_events_the_lost_attempt_never_pushed()
    {
        // The silo died between the commit and the push: a listening client would never hear of the enter, and has no
        // reconnect to make it catch up (its hub connection is on an Api node that is fine).
        var (user, userId, zone, enterId, exitId) = await NewVisitorOfAAsync(fixture.Client);
        fixture.Faults.CrashAfterCommit(userId);
        await Assert.ThrowsAnyAsync<Exception>(() => user.ReportLocations(Batch(Away(0), InsideA(1))));
        Assert.Empty(fixture.Pushes.For(userId));

        var resent = await user.ReportLocations(Batch(Away(0), InsideA(1), Away(3)) with { Resent = true });

        // The stored enter is pushed with the answer that carries it, before the exit this attempt caused.
        Assert.Equal([enterId, exitId], resent.Events.Select(e => e.Id));
        Assert.Equal([enterId, exitId], fixture.Pushes.For(userId));

        // A first attempt of the same pings reads nothing and pushes nothing.
        Assert.Empty((await user.ReportLocations(Batch(Away(0), InsideA(1)))).Events);
        Assert.Equal([enterId, exitId], fixture.Pushes.For(userId));
    }

    [Fact]
    public async Task After_a_crash_a_later_ping_inside_reports_no_second_enter()
    {
        // The phone never resends the batch whose answer it lost; its next ping is inside the same zone.
        var (user, userId, zone, enterId, _) = await NewVisitorOfAAsync(fixture.Client);
        fixture.Faults.CrashAfterCommit(userId);
        await Assert.ThrowsAnyAsync<Exception>(() => user.ReportLocations(Batch(Away(0), InsideA(1))));

        var later = await user.ReportLocations(Batch(InsideA(3)));

        Assert.Empty(later.Events);
        Assert.Equal([(enterId, ActivityTypes.Enter, At(1))],
            (await fixture.Database.DataSource.ActivitiesAsync(userId)).Select(a => (a.Id, a.Type, a.Timestamp)));
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
        fixture.Faults.CrashAfterCommit(crashedId, commitsLetThrough: strike);
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

        // The phone got no answer from the crash on: it resends its whole buffer. The crashed ping's transitions
        // were committed with its presence, so the resend reports only what came after it.
        var resent = await crashed.ReportLocations(new LocationBatch("phone", walk));

        Assert.Equal(
            cleanEvents.Skip(failedAt!.Value + 1).SelectMany(e => e).Select(e => (cleanZones[e.ZoneId], e.Type, e.Timestamp)),
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
