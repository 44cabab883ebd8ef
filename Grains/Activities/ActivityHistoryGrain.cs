using Orleans.Concurrency;

namespace Zones.Activities;

/// <summary>Reads history on any silo, in parallel, so reads never queue behind a user's pings.</summary>
[StatelessWorker]
public sealed class ActivityHistoryGrain(IActivityReader reader) : Grain, IActivityHistoryGrain
{
    public Task<ActivityPage> Query(Guid userId, ActivityQuery query) => reader.QueryAsync(userId, query);
}
