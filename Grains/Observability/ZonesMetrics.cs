using System.Diagnostics.Metrics;

namespace Zones.Observability;

/// <summary>The cluster's business measurements, on the .NET Meters API (exported by the silo's /metrics).
/// Names follow Prometheus conventions once exported: zones_pings_evaluated_total, ...</summary>
public static class ZonesMetrics
{
    public const string MeterName = "Zones";

    static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> PingsEvaluated =
        Meter.CreateCounter<long>("zones_pings_evaluated", description: "Pings evaluated against a user's zones.");

    public static readonly Counter<long> PingsIgnored =
        Meter.CreateCounter<long>("zones_pings_ignored", description: "Pings not newer than the user's high-water mark.");

    /// <summary>The name of <see cref="Activities"/>, whose measurements carry a <c>type</c> tag.</summary>
    public const string ActivitiesName = "zones_activities";

    public static readonly Counter<long> Activities =
        Meter.CreateCounter<long>(ActivitiesName, description: "Zone transitions committed, by type.");

    public static readonly Counter<long> PublishFailures =
        Meter.CreateCounter<long>("zones_publish_failures", description: "Event pushes that failed to reach the backplane.");

    public static readonly Counter<long> ResentEventsAnswered =
        Meter.CreateCounter<long>("zones_resent_events_answered",
            description: "Stored events read back into the answer to a batch the Api resent after an attempt whose answer was lost.");

    public static readonly Histogram<double> ActivityCommitSeconds =
        Meter.CreateHistogram<double>("zones_activity_commit_seconds", unit: "s",
            description: "Time from handing a batch to the activity writer until it is durable, as a grain waits.");
}
