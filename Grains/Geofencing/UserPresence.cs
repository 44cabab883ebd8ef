namespace Zones.Geofencing;

/// <summary>What the cluster knows of where a user is: stored as JSON in <c>user_presence</c>, in the same
/// transaction as the activities that moved it (<see cref="PresenceJson"/>), so it stays small: per-zone visit
/// state, not the zones themselves.</summary>
[GenerateSerializer, Alias("Zones.UserPresence")]
public sealed class UserPresence
{
    /// <summary>The newest ping timestamp evaluated (Unix ms); null before the first.</summary>
    [Id(0)] public long? HighWaterMark { get; set; }

    /// <summary>Per zone: visit counter and whether the user is inside now.</summary>
    [Id(1)] public Dictionary<Guid, ZoneVisitState> Zones { get; set; } = [];

    /// <summary>The last ping that was allowed to move presence (for the speed check and dwell positions).</summary>
    [Id(2)] public Fix? LastFix { get; set; }

    /// <summary>The newest of the fixes that disagree with <see cref="LastFix"/> (an impossible speed from it) but
    /// agree with each other: a new position waiting for confirmation; null when there is none.</summary>
    [Id(3)] public Fix? Candidate { get; set; }

    /// <summary>How many consecutive fixes, each reachable from the one before, <see cref="Candidate"/> ends;
    /// at <see cref="GeofencingOptions.ConfirmFixes"/> the candidate replaces <see cref="LastFix"/>.</summary>
    [Id(4)] public int CandidateCount { get; set; }
}

/// <summary>A user's state for one zone.</summary>
[GenerateSerializer, Alias("Zones.ZoneVisitState")]
public sealed class ZoneVisitState
{
    /// <summary>Number of enters so far; the current visit's number while inside.</summary>
    [Id(0)] public int Visits { get; set; }

    [Id(1)] public bool Inside { get; set; }

    /// <summary>When the current visit began (ping time, Unix ms).</summary>
    [Id(2)] public long EnteredAt { get; set; }

    [Id(3)] public bool DwellFired { get; set; }
}

/// <summary>A position at a time.</summary>
[GenerateSerializer, Immutable, Alias("Zones.Fix")]
public sealed record Fix([property: Id(0)] double Latitude, [property: Id(1)] double Longitude, [property: Id(2)] long Timestamp);
