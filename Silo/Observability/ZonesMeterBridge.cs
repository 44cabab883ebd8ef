using System.Diagnostics.Metrics;
using Prometheus;
using Zones.Observability;

namespace Zones.Silo.Observability;

/// <summary>Publishes the grains' <see cref="ZonesMetrics"/> (a .NET Meter, so the domain stays free of an
/// exporter) as true Prometheus counters and histograms. prometheus-net's generic Meter adapter would export
/// counters as gauges that vanish after five idle minutes, which breaks <c>rate()</c> and alerts.</summary>
public sealed class ZonesMeterBridge : IDisposable
{
    readonly MeterListener _listener = new();

    public ZonesMeterBridge()
    {
        // Besides Zones' own: Orleans (activations, silos, messaging) and Npgsql (pool use). Not ASP.NET Core's or
        // System.Net's per-request meters, which prometheus-net would otherwise switch on.
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = i =>
            i.Meter.Name != ZonesMetrics.MeterName
            && (i.Meter.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) || i.Meter.Name == "Npgsql"));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ZonesMetrics.MeterName && Sink(instrument) is { } sink)
            {
                listener.EnableMeasurementEvents(instrument, sink);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) =>
            ((Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>)state!)(value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, state) =>
            ((Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>)state!)(value, tags));
        _listener.Start();
    }

    static Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>? Sink(Instrument instrument)
    {
        switch (instrument)
        {
            // By name: instruments are published while ZonesMetrics' static fields are still being assigned.
            case Counter<long> when instrument.Name == ZonesMetrics.ActivitiesName:
                var byType = Metrics.CreateCounter(instrument.Name + "_total", instrument.Description ?? "", "type");
                return (value, tags) => byType.WithLabels(Tag(tags, "type")).Inc(value);
            case Counter<long>:
                var counter = Metrics.CreateCounter(instrument.Name + "_total", instrument.Description ?? "");
                return (value, _) => counter.Inc(value);
            case Histogram<double>:
                var histogram = Metrics.CreateHistogram(instrument.Name, instrument.Description ?? "",
                    new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
                return (value, _) => histogram.Observe(value);
            default:
                return null;
        }
    }

    static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString() ?? "";
            }
        }

        return "";
    }

    public void Dispose() => _listener.Dispose();
}
