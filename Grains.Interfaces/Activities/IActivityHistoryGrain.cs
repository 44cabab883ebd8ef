using Zones.Geofencing;

namespace Zones.Activities;

/// <summary>A filter over a user's activity history. Times are Unix ms; <see cref="Cursor"/> is opaque.</summary>
[GenerateSerializer, Immutable, Alias("Zones.ActivityQuery")]
public sealed record ActivityQuery(
    [property: Id(0)] Guid? ZoneId,
    [property: Id(1)] string? Type,
    [property: Id(2)] long? From,
    [property: Id(3)] long? To,
    [property: Id(4)] int Limit,
    [property: Id(5)] string? Cursor);

/// <summary>One page of activities, newest first.</summary>
[GenerateSerializer, Immutable, Alias("Zones.ActivityPage")]
public sealed record ActivityPage(
    [property: Id(0)] IReadOnlyList<ZoneEvent> Items,
    [property: Id(1)] string? NextCursor);

/// <summary>Reads activity history. A stateless worker, so history reads never queue behind a user's pings.</summary>
[Alias("Zones.IActivityHistoryGrain")]
public interface IActivityHistoryGrain : IGrainWithIntegerKey
{
    /// <summary>The user's activities matching the query, newest first.</summary>
    [Alias("Query")]
    Task<ActivityPage> Query(Guid userId, ActivityQuery query);
}
