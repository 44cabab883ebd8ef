using Zones.Errors;

namespace Zones.Geofencing;

/// <summary>A transition found by the engine, and whether the zone's notification option pushes it.</summary>
public sealed record Transition(ZoneEvent Event, bool Push);

/// <summary>The outcome of evaluating one batch.</summary>
public sealed record Evaluation(int Accepted, int Ignored, IReadOnlyList<Transition> Transitions);

/// <summary>One user's zones, compiled for evaluation (prepared geometries, a spatial index), and the
/// rules that turn pings into transitions. Pure: no I/O, no Orleans, no clock.</summary>
public sealed class GeofenceEngine(GeofencingOptions options)
{
    /// <summary>How many zones are loaded.</summary>
    public int ZoneCount => options is null ? 0 : throw new NotImplementedException();

    /// <summary>Compiles a zone definition, or throws <see cref="DomainValidationException"/> with details
    /// (self-intersecting polygon, ...). Used before a zone is stored.</summary>
    public static void Validate(ZoneDefinition definition) => throw new NotImplementedException();

    /// <summary>Replaces all zones.</summary>
    public void Load(IEnumerable<Zone> zones) => throw new NotImplementedException();

    /// <summary>Adds or replaces one zone.</summary>
    public void Upsert(Zone zone) => throw new NotImplementedException();

    /// <summary>Removes a zone and drops it from presence without an exit.</summary>
    public void Remove(Guid zoneId, UserPresence presence) => throw new NotImplementedException();

    /// <summary>Evaluates pings in timestamp order, ignoring those not newer than the high-water mark;
    /// updates <paramref name="presence"/>. Exits come before enters within one ping.</summary>
    public Evaluation Evaluate(Guid userId, UserPresence presence, IReadOnlyList<Ping> pings) => throw new NotImplementedException();

    /// <summary>Dwell activities that are due at <paramref name="nowMs"/> with no further ping.</summary>
    public IReadOnlyList<Transition> CollectDueDwells(Guid userId, UserPresence presence, long nowMs) => throw new NotImplementedException();

    /// <summary>When the next dwell falls due, if any visit is waiting for one.</summary>
    public long? NextDwellDueAt(UserPresence presence) => throw new NotImplementedException();
}
