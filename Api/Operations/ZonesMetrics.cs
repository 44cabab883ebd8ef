using Prometheus;
using Zones.Geofencing;

namespace Zones.Api.Operations;

/// <summary>Business counters on /metrics (HTTP metrics come from prometheus-net's middleware).</summary>
public static class ZonesMetrics
{
    private static readonly Counter Pings = Metrics.CreateCounter(
        "zones_pings_received_total", "Pings received by this Api node (HTTP and hub), before evaluation.");

    private static readonly Counter Events = Metrics.CreateCounter(
        "zones_events_returned_total", "Zone events returned to clients in location answers.",
        new CounterConfiguration { LabelNames = ["type"] });

    private static readonly Counter AuthAttempts = Metrics.CreateCounter(
        "zones_auth_attempts_total", "Register and login attempts by outcome.",
        new CounterConfiguration { LabelNames = ["kind", "result"] });

    private static readonly Counter Rejections = Metrics.CreateCounter(
        "zones_rate_limited_total", "Requests answered 429 by a rate limit of this node.",
        new CounterConfiguration { LabelNames = ["limit"] });

    private static readonly Counter Retries = Metrics.CreateCounter(
        "zones_ping_batch_retries_total", "Ping batches sent again because their silo went away or their answer was lost with it (failover).");

    public static void PingsReceived(int count) => Pings.Inc(count);

    public static void PingBatchRetried() => Retries.Inc();

    public static void EventsReturned(IReadOnlyList<ZoneEvent> events)
    {
        foreach (var zoneEvent in events)
        {
            // Label values come from the contract's three types only, so the series stay few.
            Events.WithLabels(ActivityTypes.IsValid(zoneEvent.Type) ? zoneEvent.Type : "other").Inc();
        }
    }

    /// <param name="kind">register | login</param>
    /// <param name="result">success | failure | conflict</param>
    public static void AuthAttempt(string kind, string result) => AuthAttempts.WithLabels(kind, result).Inc();

    /// <param name="limit">login | registration | general | ingestion</param>
    public static void RateLimited(string limit) => Rejections.WithLabels(limit).Inc();
}
