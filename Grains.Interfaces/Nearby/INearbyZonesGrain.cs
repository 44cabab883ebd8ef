using Zones.Geofencing;

namespace Zones.Nearby;

/// <summary>A search around a point: <see cref="Radius"/> in metres, at most <see cref="Limit"/> zones.</summary>
[GenerateSerializer, Immutable, Alias("Zones.NearbyQuery")]
public sealed record NearbyQuery(
    [property: Id(0)] double Latitude,
    [property: Id(1)] double Longitude,
    [property: Id(2)] double Radius,
    [property: Id(3)] int Limit);

/// <summary>A zone and its distance in metres from the searched point to the zone's centre (a polygon's label point).</summary>
[GenerateSerializer, Immutable, Alias("Zones.NearbyZone")]
public sealed record NearbyZone([property: Id(0)] Zone Zone, [property: Id(1)] double Distance);

/// <summary>Spatial search over a user's zones in PostGIS. A stateless worker, so searches never queue behind pings.</summary>
[Alias("Zones.INearbyZonesGrain")]
public interface INearbyZonesGrain : IGrainWithIntegerKey
{
    /// <summary>The user's live zones whose centre is within the radius of the point, nearest first.</summary>
    [Alias("Find")]
    Task<IReadOnlyList<NearbyZone>> Find(Guid userId, NearbyQuery query);
}
