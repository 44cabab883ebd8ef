using Zones.Activities;
using Zones.Geofencing;
using Zones.IntegrationTests.Infrastructure;
using Zones.Silo.Postgres;

namespace Zones.IntegrationTests;

public sealed class ActivityWriterTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Many_grains_activities_commit_in_far_fewer_round_trips_than_calls()
    {
        await using var writer = new ActivityWriter(db.DataSource);
        var users = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToArray();
        // 200 calls in flight at once, as 50 user grains with a few transitions each would make them.
        var calls = Enumerable.Range(0, 200)
            .Select(i => (IReadOnlyList<ActivityRecord>)Enumerable.Range(0, 1 + i % 3)
                .Select(_ => TestData.Activity(users[i % users.Length]))
                .ToList())
            .ToList();

        await Task.WhenAll(calls.Select(records => writer.WriteAsync(records)));

        var stats = writer.Stats;
        var expectedRows = calls.Sum(c => c.Count);
        Assert.Equal(200, stats.Calls);
        Assert.True(stats.Batches <= 200 / 4, $"200 calls took {stats.Batches} round trips");
        Assert.True(stats.LargestBatchRows > 50, $"the largest batch held only {stats.LargestBatchRows} rows");
        Assert.Equal(expectedRows, stats.RowsInserted);
        Assert.Equal(expectedRows, await CountAsync(users));
    }

    [Fact]
    public async Task Concurrent_writers_lose_nothing()
    {
        await using var writer = new ActivityWriter(db.DataSource, options: new ActivityWriterOptions { MaxBatchRows = 100 });
        var users = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();

        var perThread = await Task.WhenAll(Enumerable.Range(0, 8).Select(thread => Task.Run(async () =>
        {
            var written = 0;
            for (var call = 0; call < 60; call++)
            {
                var records = Enumerable.Range(0, 1 + (call + thread) % 4)
                    .Select(_ => TestData.Activity(users[(thread * 60 + call) % users.Length]))
                    .ToList();
                await writer.WriteAsync(records);
                written += records.Count;
            }
            return written;
        })));

        Assert.Equal(perThread.Sum(), await CountAsync(users));
        Assert.True(writer.Stats.LargestBatchRows <= 100 + 3, $"a batch of {writer.Stats.LargestBatchRows} rows exceeded the limit");
    }

    [Fact]
    public async Task Writing_the_same_activities_again_stores_them_once()
    {
        await using var writer = new ActivityWriter(db.DataSource);
        var user = Guid.NewGuid();
        var records = Enumerable.Range(0, 10).Select(i => TestData.Activity(user, timestamp: TestData.Now - i * 1_000)).ToList();

        await writer.WriteAsync(records);
        await writer.WriteAsync(records);
        await writer.WriteAsync([records[0], records[0]]);

        Assert.Equal(10, await CountAsync([user]));
        Assert.Equal(10, writer.Stats.RowsInserted);
    }

    [Fact]
    public async Task The_same_transition_reported_again_from_a_later_ping_is_stored_once()
    {
        await using var writer = new ActivityWriter(db.DataSource);
        var user = Guid.NewGuid();
        var first = TestData.Activity(user, timestamp: TestData.Now - 60_000);
        // Same activity id (same user, zone, visit and type), seen at another ping of the same visit.
        var again = first with { Event = first.Event with { Timestamp = first.Event.Timestamp + 30_000 } };

        await writer.WriteAsync([first]);
        await writer.WriteAsync([again]);

        Assert.Equal(1, await CountAsync([user]));
        Assert.Equal(1, writer.Stats.RowsInserted);
    }

    [Fact]
    public async Task An_activity_far_outside_the_monthly_partitions_is_still_stored()
    {
        await using var writer = new ActivityWriter(db.DataSource);
        var user = Guid.NewGuid();
        var farFuture = DateTimeOffset.Parse("2099-06-15T12:00:00Z").ToUnixTimeMilliseconds();
        var farPast = DateTimeOffset.Parse("2001-01-01T00:00:00Z").ToUnixTimeMilliseconds();

        await writer.WriteAsync([TestData.Activity(user, timestamp: farFuture), TestData.Activity(user, timestamp: farPast)]);

        Assert.Equal(2L, await db.DataSource.ScalarAsync<long>(
            "SELECT count(*) FROM activities WHERE user_id = @u AND tableoid = 'activities_default'::regclass", ("u", user)));
    }

    [Fact]
    public async Task A_current_activity_lands_in_its_monthly_partition()
    {
        await using var writer = new ActivityWriter(db.DataSource);
        var user = Guid.NewGuid();

        await writer.WriteAsync([TestData.Activity(user)]);

        var partition = await db.DataSource.ScalarAsync<string>(
            "SELECT tableoid::regclass::text FROM activities WHERE user_id = @u", ("u", user));
        var now = DateTime.UtcNow;
        Assert.Equal($"activities_y{now:yyyy}m{now:MM}", partition);
    }

    [Fact]
    public async Task A_failed_batch_fails_its_callers_and_the_writer_keeps_going()
    {
        await using var writer = new ActivityWriter(db.DataSource);
        var user = Guid.NewGuid();
        var bad = TestData.Activity(user);
        bad = bad with { Event = bad.Event with { Type = "teleport" } };

        await Assert.ThrowsAnyAsync<Exception>(() => writer.WriteAsync([bad]));
        await writer.WriteAsync([TestData.Activity(user)]);

        Assert.Equal(1, await CountAsync([user]));
        Assert.Equal(1, writer.Stats.FailedBatches);
    }

    [Fact]
    public async Task Presence_is_stored_with_its_activities_or_not_at_all()
    {
        await using var writer = new ActivityWriter(db.DataSource);
        var user = Guid.NewGuid();
        var bad = TestData.Activity(user);
        bad = bad with { Event = bad.Event with { Type = "teleport" } };

        await Assert.ThrowsAnyAsync<Exception>(() => writer.WriteAsync([bad], Presence(user, highWaterMark: 1)));

        Assert.Null(await StoredHighWaterMarkAsync(user));
        Assert.Equal(0, await CountAsync([user]));

        await writer.WriteAsync([TestData.Activity(user)], Presence(user, highWaterMark: 2));

        Assert.Equal(2, await StoredHighWaterMarkAsync(user));
        Assert.Equal(1, await CountAsync([user]));
    }

    [Fact]
    public async Task A_presence_without_activities_is_saved_and_the_latest_of_one_user_wins()
    {
        await using var writer = new ActivityWriter(db.DataSource);
        var user = Guid.NewGuid();

        await Task.WhenAll(Enumerable.Range(1, 20).Select(i => writer.WriteAsync([], Presence(user, highWaterMark: i))));
        await writer.WriteAsync([], Presence(user, highWaterMark: 99));

        Assert.Equal(99, await StoredHighWaterMarkAsync(user));
        Assert.Equal(0, await CountAsync([user]));
        Assert.Equal(99, (await new PostgresPresenceStore(db.DataSource).LoadAsync(user))!.HighWaterMark);
    }

    private static PresenceWrite Presence(Guid user, long highWaterMark) =>
        new(user, PresenceJson.Serialize(new UserPresence { HighWaterMark = highWaterMark }));

    private async Task<long?> StoredHighWaterMarkAsync(Guid user)
    {
        await using var command = db.DataSource.CreateCommand(
            "SELECT (state->>'highWaterMark')::bigint FROM user_presence WHERE user_id = @u");
        command.Parameters.AddWithValue("u", user);
        return await command.ExecuteScalarAsync() as long?;
    }

    [Fact]
    public async Task Stopping_the_writer_commits_everything_already_queued()
    {
        var writer = new ActivityWriter(db.DataSource);
        var user = Guid.NewGuid();
        var pending = Enumerable.Range(0, 100).Select(_ => writer.WriteAsync([TestData.Activity(user)])).ToList();

        await writer.DisposeAsync();

        Assert.All(pending, task => Assert.True(task.IsCompletedSuccessfully));
        Assert.Equal(100, await CountAsync([user]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.WriteAsync([TestData.Activity(user)]));
    }

    [Fact]
    public async Task Stored_activities_keep_every_field()
    {
        await using var writer = new ActivityWriter(db.DataSource);
        var user = Guid.NewGuid();
        var record = TestData.Activity(user, type: ActivityTypes.Dwell, deviceId: null);

        await writer.WriteAsync([record]);
        var page = await new PostgresActivityReader(db.DataSource).QueryAsync(user, new ActivityQuery(null, null, null, null, 10, null));

        Assert.Equal(record.Event, Assert.Single(page.Items));
        Assert.Equal(0L, await db.DataSource.ScalarAsync<long>(
            "SELECT count(*) FROM activities WHERE user_id = @u AND device_id IS NOT NULL", ("u", user)));
    }

    private async Task<long> CountAsync(IEnumerable<Guid> users) =>
        await db.DataSource.ScalarAsync<long>("SELECT count(*) FROM activities WHERE user_id = ANY(@users)", ("users", users.ToArray()));
}

public sealed class ActivityReaderTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly PostgresActivityReader _reader = new(db.DataSource);

    [Fact]
    public async Task History_is_newest_first_and_honours_every_filter()
    {
        var user = Guid.NewGuid();
        var home = Guid.NewGuid();
        var office = Guid.NewGuid();
        var t0 = TestData.Now - 3_600_000;
        ActivityRecord[] records =
        [
            TestData.Activity(user, home, ActivityTypes.Enter, t0),
            TestData.Activity(user, home, ActivityTypes.Exit, t0 + 60_000),
            TestData.Activity(user, office, ActivityTypes.Enter, t0 + 120_000),
            TestData.Activity(user, office, ActivityTypes.Dwell, t0 + 180_000),
            TestData.Activity(user, office, ActivityTypes.Exit, t0 + 240_000),
            TestData.Activity(Guid.NewGuid(), office, ActivityTypes.Enter, t0 + 150_000),
        ];
        await using (var writer = new ActivityWriter(db.DataSource))
        {
            await writer.WriteAsync(records);
        }

        var all = await QueryAsync(user, new ActivityQuery(null, null, null, null, 50, null));
        var atOffice = await QueryAsync(user, new ActivityQuery(office, null, null, null, 50, null));
        var enters = await QueryAsync(user, new ActivityQuery(null, ActivityTypes.Enter, null, null, 50, null));
        var window = await QueryAsync(user, new ActivityQuery(null, null, t0 + 60_000, t0 + 180_000, 50, null));

        Assert.Equal(records[..5].Reverse().Select(r => r.Event.Id), all.Select(e => e.Id));
        Assert.Equal([records[4].Event.Id, records[3].Event.Id, records[2].Event.Id], atOffice.Select(e => e.Id));
        Assert.Equal([records[2].Event.Id, records[0].Event.Id], enters.Select(e => e.Id));
        Assert.Equal([records[3].Event.Id, records[2].Event.Id, records[1].Event.Id], window.Select(e => e.Id));
    }

    [Fact]
    public async Task Cursor_paging_returns_every_activity_exactly_once()
    {
        var user = Guid.NewGuid();
        // Pairs share a timestamp, so the cursor must break ties by id.
        var records = Enumerable.Range(0, 23).Select(i => TestData.Activity(user, timestamp: TestData.Now - (i / 2) * 1_000)).ToList();
        await using (var writer = new ActivityWriter(db.DataSource))
        {
            await writer.WriteAsync(records);
        }

        var seen = new List<ZoneEvent>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await _reader.QueryAsync(user, new ActivityQuery(null, null, null, null, 5, cursor));
            Assert.True(page.Items.Count <= 5);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 20);

        Assert.Equal(5, pages);
        Assert.Equal(records.Count, seen.Count);
        Assert.Equal(records.Select(r => r.Event.Id).Order(), seen.Select(e => e.Id).Order());
        Assert.Equal(seen.OrderByDescending(e => e.Timestamp).Select(e => e.Timestamp), seen.Select(e => e.Timestamp));
    }

    [Fact]
    public async Task A_full_last_page_has_no_next_cursor()
    {
        var user = Guid.NewGuid();
        await using (var writer = new ActivityWriter(db.DataSource))
        {
            await writer.WriteAsync(Enumerable.Range(0, 4).Select(i => TestData.Activity(user, timestamp: TestData.Now - i)).ToList());
        }

        var page = await _reader.QueryAsync(user, new ActivityQuery(null, null, null, null, 4, null));

        Assert.Equal(4, page.Items.Count);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task A_tampered_cursor_is_a_validation_error_on_the_cursor_field()
    {
        var error = await Assert.ThrowsAsync<Zones.Errors.DomainValidationException>(
            () => _reader.QueryAsync(Guid.NewGuid(), new ActivityQuery(null, null, null, null, 5, "not-a-cursor!")));

        Assert.Equal("cursor", Assert.Single(error.Details).Field);
    }

    [Fact]
    public async Task A_resend_reads_its_device_s_events_in_the_span_keeping_ties_at_the_limit_and_counting_them_all()
    {
        var user = Guid.NewGuid();
        var t0 = TestData.Now - 3_600_000;
        ActivityRecord[] records =
        [
            TestData.Activity(user, type: ActivityTypes.Enter, timestamp: t0),
            TestData.Activity(user, type: ActivityTypes.Exit, timestamp: t0 + 1_000),
            TestData.Activity(user, type: ActivityTypes.Enter, timestamp: t0 + 1_000), // ties with the exit
            TestData.Activity(user, type: ActivityTypes.Exit, timestamp: t0 + 2_000),
            TestData.Activity(user, type: ActivityTypes.Enter, timestamp: t0 + 1_500, deviceId: "tablet"),
            TestData.Activity(user, type: ActivityTypes.Dwell, timestamp: t0 + 1_500, deviceId: null),
            TestData.Activity(user, type: ActivityTypes.Enter, timestamp: t0 + 9_000), // after the span
        ];
        await using (var writer = new ActivityWriter(db.DataSource))
        {
            await writer.WriteAsync(records);
        }

        var limited = await _reader.ReadRecordedAsync(user, "phone-1", t0, t0 + 2_000, limit: 2);
        var withoutDevice = await _reader.ReadRecordedAsync(user, null, t0, t0 + 2_000, limit: 10);

        // The limit-th row (t0 + 1 s) ties with another: both are kept, so the grain can order ties before it cuts.
        Assert.Equal([t0, t0 + 1_000, t0 + 1_000], limited.Events.Select(e => e.Timestamp));
        Assert.Equal(4, limited.Total);
        Assert.Equal([records[5].Event.Id], withoutDevice.Events.Select(e => e.Id));
        Assert.Equal(1, withoutDevice.Total);
    }

    private async Task<IReadOnlyList<ZoneEvent>> QueryAsync(Guid user, ActivityQuery query) =>
        (await _reader.QueryAsync(user, query)).Items;
}
