using Orleans.Concurrency;

namespace Zones.Statistics;

/// <summary>The durable side of statistics (SQL in the silo). Times are Unix ms; days are UTC.</summary>
public interface IStatisticsReader
{
    Task<UserStatistics> ForUserAsync(Guid userId, int days, long now, CancellationToken cancellationToken = default);

    /// <summary>Everything of the overview but the ping rate, which is not in the database.</summary>
    Task<ServiceOverview> OverviewAsync(int days, long now, CancellationToken cancellationToken = default);
}

/// <summary>A user's statistics on any silo, in parallel.</summary>
[StatelessWorker]
public sealed class StatisticsGrain(IStatisticsReader reader, TimeProvider clock) : Grain, IStatisticsGrain
{
    public Task<UserStatistics> ForUser(Guid userId, int days) =>
        reader.ForUserAsync(userId, Math.Clamp(days, 1, IStatisticsGrain.MaxDays), clock.GetUtcNow().ToUnixTimeMilliseconds());

    public Task<ServiceOverview> Overview() => GrainFactory.GetGrain<IOverviewGrain>(0).Get();
}

/// <summary>The overview scans every user's recent activity, so the one activation keeps it for
/// <see cref="CacheTime"/>: a wall of dashboards polling it costs one query a minute. Ping reports are held in
/// memory; a silo that stopped reporting drops out after <see cref="Freshness"/>. Losing the activation loses
/// nothing that the next reports and query do not restore.</summary>
public sealed class OverviewGrain(IStatisticsReader reader, TimeProvider clock) : Grain, IOverviewGrain
{
    public static readonly TimeSpan CacheTime = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, (long Count, DateTimeOffset At)> _reports = [];
    private (ServiceOverview Overview, DateTimeOffset At)? _cached;

    public Task ReportPings(string silo, long pingsLastMinute)
    {
        _reports[silo] = (pingsLastMinute, clock.GetUtcNow());
        return Task.CompletedTask;
    }

    public async Task<ServiceOverview> Get()
    {
        var now = clock.GetUtcNow();
        if (_cached is not { } cached || now - cached.At >= CacheTime)
        {
            var overview = await reader.OverviewAsync(IStatisticsGrain.OverviewDays, now.ToUnixTimeMilliseconds());
            _cached = cached = (overview, now);
        }

        foreach (var stale in _reports.Where(r => now - r.Value.At > Freshness).Select(r => r.Key).ToList())
        {
            _reports.Remove(stale);
        }

        return cached.Overview with { PingsLastMinute = _reports.Values.Sum(r => r.Count) };
    }
}
