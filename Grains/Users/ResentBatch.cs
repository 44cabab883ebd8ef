using Zones.Activities;
using Zones.Geofencing;

namespace Zones.Users;

/// <summary>The answer to a batch the Api sent again because an earlier attempt's answer was lost
/// (<see cref="LocationBatch.Resent"/>). Pings that attempt evaluated are now not newer than the high-water mark, so
/// this attempt ignores them; the events they caused were committed before that attempt could answer, so they are read
/// back from the activity log: the user's activities recorded from the batch's device in the time span of its ignored
/// pings. Pure, so the span and the order are tested without a cluster.</summary>
/// <remarks>What this reads is exactly what the lost answer carried when the device's batches do not overlap in time
/// (a device sends its fixes in order, and a resend repeats the same pings). Overlapping batches from one device would
/// add the earlier batch's events in the overlap; a dwell that fell due before the batch's first ping and was noticed
/// by that ping (its timer had not fired yet) is left out.</remarks>
public static class ResentBatch
{
    /// <summary>The span of the pings that were already evaluated before this attempt (timestamp not newer than
    /// <paramref name="highWaterMarkBefore"/>, the user's mark before it), or null when there are none.</summary>
    public static (long From, long To)? IgnoredSpan(IReadOnlyList<Ping> pings, long? highWaterMarkBefore)
    {
        if (highWaterMarkBefore is not long mark)
        {
            return null;
        }

        var from = long.MaxValue;
        var to = long.MinValue;
        foreach (var ping in pings)
        {
            if (ping.Timestamp <= mark)
            {
                from = Math.Min(from, ping.Timestamp);
                to = Math.Max(to, ping.Timestamp);
            }
        }

        return from <= to ? (from, to) : null;
    }

    /// <summary>The answer: the stored events first (they are older than anything this attempt evaluated), in the order
    /// the engine emitted them, then this attempt's own transitions; the earliest <paramref name="maxEvents"/> of
    /// them, the rest counted as omitted, as a first answer bounds them.</summary>
    public static LocationReport Answer(Evaluation evaluation, RecordedEvents recorded, int maxEvents)
    {
        // The read returned the oldest stored events and the ties of the last one: in engine order, the first of them
        // are the first of all that are stored.
        var events = InEngineOrder(recorded.Events);
        foreach (var transition in evaluation.Transitions)
        {
            events.Add(transition.Event);
        }

        var total = recorded.Total + evaluation.Transitions.Count;
        if (events.Count > maxEvents)
        {
            events.RemoveRange(maxEvents, events.Count - maxEvents);
        }

        return new LocationReport(evaluation.Accepted, evaluation.Ignored, events, Math.Max(0, total - events.Count));
    }

    /// <summary>The events in the order in which <see cref="GeofenceEngine"/> emits transitions, rebuilt from the events
    /// alone: by timestamp, and within one timestamp (one ping) the dwells that fell due then, the exits, the enters,
    /// then the dwells of zones with dwellSeconds = 0 entered at that moment (a dwell with an enter of its zone at its
    /// timestamp); within each group by zone id.</summary>
    public static List<ZoneEvent> InEngineOrder(IEnumerable<ZoneEvent> events)
    {
        var list = events.ToList();
        var enters = list.Where(e => e.Type == ActivityTypes.Enter).Select(e => (e.ZoneId, e.Timestamp)).ToHashSet();
        return list
            .OrderBy(e => e.Timestamp)
            .ThenBy(e => e.Type switch
            {
                ActivityTypes.Exit => 1,
                ActivityTypes.Enter => 2,
                _ => enters.Contains((e.ZoneId, e.Timestamp)) ? 3 : 0,
            })
            .ThenBy(e => e.ZoneId)
            .ToList();
    }
}
