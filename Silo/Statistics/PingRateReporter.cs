using System.Diagnostics.Metrics;
using Zones.Observability;
using Zones.Statistics;

namespace Zones.Silo.Statistics;

/// <summary>Counts the pings this silo's grains received (evaluated or ignored) in one-second buckets, from the
/// grains' own meter, and reports the last minute's sum to <see cref="IOverviewGrain"/> every
/// <see cref="ReportPeriod"/>. The hot path pays one interlocked add per batch, in the meter callback.</summary>
public sealed partial class PingRateReporter(IGrainFactory grains, TimeProvider time, ILogger<PingRateReporter> logger)
    : BackgroundService
{
    public static readonly TimeSpan ReportPeriod = TimeSpan.FromSeconds(5);

    private readonly string _silo = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly long[] _buckets = new long[60];
    private readonly long[] _bucketSecond = new long[60];
    private MeterListener? _listener;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ZonesMetrics.MeterName
                    && instrument.Name is "zones_pings_evaluated" or "zones_pings_ignored")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Count(value));
        _listener.Start();
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Pings counted in the 60 seconds before now.</summary>
    public long LastMinute()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        long sum = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            if (now - Volatile.Read(ref _bucketSecond[i]) < _buckets.Length)
            {
                sum += Volatile.Read(ref _buckets[i]);
            }
        }
        return sum;
    }

    public override void Dispose()
    {
        _listener?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ReportPeriod, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await grains.GetGrain<IOverviewGrain>(0).ReportPings(_silo, LastMinute());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ReportFailed(logger, ex.Message);
            }
        }
    }

    private void Count(long pings)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        var i = (int)(second % _buckets.Length);
        if (Volatile.Read(ref _bucketSecond[i]) != second)
        {
            // A new second reuses the bucket of a minute ago. Two threads racing here may lose a few pings of
            // this second: a dashboard figure, not an account.
            Interlocked.Exchange(ref _buckets[i], 0);
            Volatile.Write(ref _bucketSecond[i], second);
        }

        Interlocked.Add(ref _buckets[i], pings);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not report the ping rate: {Reason}")]
    private static partial void ReportFailed(ILogger logger, string reason);
}
