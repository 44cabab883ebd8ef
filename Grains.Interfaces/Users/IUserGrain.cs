using Zones.Geofencing;

namespace Zones.Users;

/// <summary>One user of Zones: their zones, which of them they are in, and the evaluation of their pings.
/// Keyed by the user id.</summary>
[Alias("Zones.IUserGrain")]
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>Evaluates a batch of pings in timestamp order. Answers only once every event in the
    /// report is stored. Cancelling <paramref name="cancellationToken"/> ends the caller's wait at once (the Api
    /// gives each attempt a deadline and resends the batch, which is harmless) and drops the call if it is
    /// still queued at the grain; a call already running finishes, because a half-evaluated batch would be worse
    /// than one evaluated after nobody waited for it.</summary>
    [Alias("ReportLocations")]
    Task<LocationReport> ReportLocations(LocationBatch batch, CancellationToken cancellationToken = default);

    /// <summary>Creates a zone and starts evaluating it with the next ping.</summary>
    [Alias("CreateZone")]
    Task<Zone> CreateZone(ZoneDefinition definition);

    /// <summary>The zone, or null when the user has no such (live) zone.</summary>
    [Alias("GetZone")]
    Task<Zone?> GetZone(Guid zoneId);

    /// <summary>The user's zones, newest first.</summary>
    [Alias("ListZones")]
    Task<ZonePage> ListZones(int page, int limit);

    /// <summary>Replaces a zone's definition; null when the user has no such zone.</summary>
    [Alias("UpdateZone")]
    Task<Zone?> UpdateZone(Guid zoneId, ZoneDefinition definition);

    /// <summary>Soft-deletes a zone. A user inside it gets no exit event. False when there was no such zone.</summary>
    [Alias("DeleteZone")]
    Task<bool> DeleteZone(Guid zoneId);

    /// <summary>Sets (or with null clears) the zone's image URL; null when the user has no such zone. The answer
    /// carries the URL it replaced, so the caller can remove the old image.</summary>
    [Alias("SetZoneImage")]
    Task<ZoneImageChange?> SetZoneImage(Guid zoneId, string? imageUrl);

    /// <summary>The zones the user is in now.</summary>
    [Alias("GetPresence")]
    Task<PresenceSnapshot> GetPresence();
}
