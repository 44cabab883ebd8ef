using Orleans.Concurrency;

namespace Zones.Statistics;

/// <summary>The durable side of statistics (SQL in the silo). Times are Unix ms; days are UTC.</summary>
public interface IStatisticsReader
{
    Task<UserStatistics> ForUserAsync(Guid userId, int days, long now, CancellationToken cancellationToken = default);

    /// <summary>Everything of the overview but the ping rate, which is not in the database.</summary>
    Task<ServiceOverview> OverviewAsync(int days, long now, CancellationToken cancellationToken = default);
}

/// <summary>Statistics on any silo, in parallel. The overview scans every user's recent activity, so each
/// activation keeps its answer for <see cref="OverviewCacheTime"/>: a dashboard polling it costs nothing more.</summary>
[StatelessWorker]
public sealed class StatisticsGrain(IStatisticsReader reader, TimeProvider clock) : Grain, IStatisticsGrain
{
    public static readonly TimeSpan OverviewCacheTime = TimeSpan.FromSeconds(10);

    private (ServiceOverview Overview, DateTimeOffset At)? _overview;

    public Task<UserStatistics> ForUser(Guid userId, int days) =>
        reader.ForUserAsync(userId, Math.Clamp(days, 1, IStatisticsGrain.MaxDays), clock.GetUtcNow().ToUnixTimeMilliseconds());

    public async Task<ServiceOverview> Overview()
    {
        var now = clock.GetUtcNow();
        if (_overview is not { } cached || now - cached.At >= OverviewCacheTime)
        {
            var overview = await reader.OverviewAsync(IStatisticsGrain.OverviewDays, now.ToUnixTimeMilliseconds());
            _overview = cached = (overview, now);
        }

        var pings = await GrainFactory.GetGrain<IPingRateGrain>(0).PingsLastMinute();
        return cached.Overview with { PingsLastMinute = pings };
    }
}

/// <summary>Holds the silos' latest ping counts in memory; a silo that stopped reporting drops out after
/// <see cref="Freshness"/>. Losing the activation loses nothing that the next reports do not restore.</summary>
public sealed class PingRateGrain(TimeProvider clock) : Grain, IPingRateGrain
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, (long Count, DateTimeOffset At)> _reports = [];

    public Task Report(string silo, long pingsLastMinute)
    {
        _reports[silo] = (pingsLastMinute, clock.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<long> PingsLastMinute()
    {
        var oldest = clock.GetUtcNow() - Freshness;
        foreach (var stale in _reports.Where(r => r.Value.At < oldest).Select(r => r.Key).ToList())
        {
            _reports.Remove(stale);
        }

        return Task.FromResult(_reports.Values.Sum(r => r.Count));
    }
}
