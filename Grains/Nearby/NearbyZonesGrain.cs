using Orleans.Concurrency;

namespace Zones.Nearby;

/// <summary>The durable side of nearby search (PostGIS in the silo).</summary>
public interface IZoneSearch
{
    Task<IReadOnlyList<NearbyZone>> FindNearbyAsync(Guid userId, NearbyQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Answers nearby searches on any silo, in parallel.</summary>
[StatelessWorker]
public sealed class NearbyZonesGrain(IZoneSearch search) : Grain, INearbyZonesGrain
{
    public Task<IReadOnlyList<NearbyZone>> Find(Guid userId, NearbyQuery query) => search.FindNearbyAsync(userId, query);
}
