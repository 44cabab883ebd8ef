using Prometheus;
using Zones.Silo.Postgres;

namespace Zones.Silo.Observability;

/// <summary>Exports the group-commit writer's counters at scrape time (no cost on the write path).</summary>
public static class ActivityWriterMetrics
{
    public static void Register(ActivityWriter writer)
    {
        var batches = Metrics.CreateCounter("zones_activity_batches_total", "Group commits of activities.");
        var rows = Metrics.CreateCounter("zones_activity_rows_total", "Activity rows sent in committed batches.");
        var inserted = Metrics.CreateCounter("zones_activity_rows_inserted_total", "Activity rows that were new (the rest were replays).");
        var failed = Metrics.CreateCounter("zones_activity_batch_failures_total", "Activity batches whose callers got an error.");
        var lastBatch = Metrics.CreateGauge("zones_activity_last_batch_rows", "Rows in the latest committed batch.");
        var largest = Metrics.CreateGauge("zones_activity_largest_batch_rows", "Rows in the largest committed batch since start.");
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            var stats = writer.Stats;
            batches.IncTo(stats.Batches);
            rows.IncTo(stats.Rows);
            inserted.IncTo(stats.RowsInserted);
            failed.IncTo(stats.FailedBatches);
            lastBatch.Set(stats.LastBatchRows);
            largest.Set(stats.LargestBatchRows);
        });
    }
}
