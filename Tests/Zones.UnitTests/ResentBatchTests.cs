using Zones.Activities;
using Zones.Geofencing;
using Zones.Users;
using static Zones.UnitTests.TestZones;

namespace Zones.UnitTests;

/// <summary>A batch the Api resends after a lost answer: which pings the lost attempt may have applied, and the stored
/// events put back in the order the lost answer had them.</summary>
public sealed class ResentBatchTests
{
    [Fact]
    public void The_span_covers_only_the_pings_not_newer_than_the_mark_before_the_attempt()
    {
        Ping[] pings = [PingAt(0, 0, 5_000), PingAt(0, 0, 1_000), PingAt(0, 0, 9_000), PingAt(0, 0, 3_000)];

        Assert.Equal((1_000L, 5_000L), ResentBatch.IgnoredSpan(pings, highWaterMarkBefore: 5_000));
        Assert.Equal((1_000L, 9_000L), ResentBatch.IgnoredSpan(pings, highWaterMarkBefore: 20_000));
    }

    [Fact]
    public void A_batch_with_no_ping_evaluated_before_has_no_span()
    {
        Ping[] pings = [PingAt(0, 0, 5_000), PingAt(0, 0, 6_000)];

        Assert.Null(ResentBatch.IgnoredSpan(pings, highWaterMarkBefore: null));
        Assert.Null(ResentBatch.IgnoredSpan(pings, highWaterMarkBefore: 4_999));
    }

    [Fact]
    public void Stored_events_read_back_in_any_order_are_answered_in_the_order_the_engine_emitted_them()
    {
        // A day among three zones, one with a dwell and one with dwellSeconds = 0 on the edge of another: every group
        // of the engine's order (due dwells, exits, enters, immediate dwells) occurs, several at one ping.
        var emitted = ReplayTests.NewEngine().Evaluate(User, new UserPresence(), ReplayTests.Day()).Events();
        Assert.Contains(emitted, e => e.Type == ActivityTypes.Dwell);
        Assert.True(emitted.GroupBy(e => e.Timestamp).Any(g => g.Count() > 1), "no ping with several transitions");

        var readBack = emitted.OrderBy(e => e.Id).ToList();

        Assert.Equal(emitted, ResentBatch.InEngineOrder(readBack));
    }

    [Fact]
    public void The_answer_carries_the_stored_events_then_the_new_ones_up_to_the_bound_and_counts_the_rest()
    {
        var zone = Circle(0, 0, 150);
        var stored = Enumerable.Range(1, 3).Select(i => Event(zone, i % 2 == 1 ? ActivityTypes.Enter : ActivityTypes.Exit, i * 1_000)).ToList();
        var fresh = new Transition(Event(zone, ActivityTypes.Exit, 10_000), Push: true);
        var evaluation = new Evaluation(Accepted: 1, Ignored: 3, [fresh]);

        var whole = ResentBatch.Answer(evaluation, new RecordedEvents([stored[2], stored[0], stored[1]], Total: 3), maxEvents: 10);
        var bounded = ResentBatch.Answer(evaluation, new RecordedEvents(stored, Total: 5), maxEvents: 2);

        Assert.Equal((1, 3, 0), (whole.Accepted, whole.Ignored, whole.EventsOmitted));
        Assert.Equal([.. stored, fresh.Event], whole.Events);
        Assert.Equal(stored.Take(2), bounded.Events);
        Assert.Equal(5 + 1 - 2, bounded.EventsOmitted);
    }

    static ZoneEvent Event(Zone zone, string type, long timestamp) =>
        new(Guid.NewGuid(), zone.Id, zone.Definition.Title, type, timestamp, 52.52, 13.405, null, null);
}
