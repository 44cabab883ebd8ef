using System.Diagnostics.CodeAnalysis;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index;
using NetTopologySuite.Index.Strtree;
using Zones.Errors;

namespace Zones.Geofencing;

/// <summary>A transition found by the engine, and whether the zone's notification option pushes it.</summary>
public sealed record Transition(ZoneEvent Event, bool Push);

/// <summary>The outcome of evaluating one batch.</summary>
public sealed record Evaluation(int Accepted, int Ignored, IReadOnlyList<Transition> Transitions);

/// <summary>One user's zones, compiled for evaluation (prepared geometries, a spatial index), and the
/// rules that turn pings into transitions. Pure: no I/O, no Orleans, no clock.</summary>
/// <remarks>
/// The rules, per ping, in timestamp order:
/// <list type="number">
/// <item>A ping not newer than <see cref="UserPresence.HighWaterMark"/> is ignored (counted, never evaluated);
/// every evaluated ping raises the mark, so a duplicate timestamp in one batch is ignored after the first.</item>
/// <item>A ping whose accuracy is worse than <see cref="GeofencingOptions.MaxAccuracyMeters"/> is accepted but
/// moves no presence and does not become the last fix. So is one that implies a speed above
/// <see cref="GeofencingOptions.MaxSpeedKmh"/> since <see cref="UserPresence.LastFix"/> (the anchor), unless it
/// confirms a new position: such fixes form a candidate track, each reachable from the one before (a fix that
/// is not starts a new track; one reachable from the anchor ends it), and the fix that brings the track to
/// <see cref="GeofencingOptions.ConfirmFixes"/> replaces the anchor and moves presence. A wrong anchor (a stale
/// first fix, the last fix before a flight) so costs that many pings, while a lone glitch is never confirmed.
/// Inaccurate pings neither extend nor end the track.</item>
/// <item>Hysteresis: margin = max(AccuracyMarginFactor x accuracy, RadiusMarginFraction x radius, MinMarginMeters); for a polygon the
/// radius is its equivalent radius sqrt(area/pi). Entering needs the point inside by the margin, capped at half
/// the radius (half the inscribed-circle radius for a polygon) so that small zones stay enterable; leaving needs
/// it outside by the full margin; in between nothing changes.</item>
/// <item>Order within one ping: dwells that fell due up to the ping's time (they happened before it, and a
/// visit that the ping ends still gets its dwell first), then exits, then enters, then the dwells of zones
/// with dwellSeconds = 0 just entered. Within each group, by due time and then zone id, so a replay after a
/// reload (where dictionary order may differ) yields the same order.</item>
/// <item>Zone changes: a created or moved zone is simply evaluated by the next ping, so a user already standing
/// in it gets one enter then (and a user inside a zone that moved away gets one exit). A removed zone leaves
/// presence without an exit.</item>
/// </list>
/// Not thread-safe: an engine belongs to one grain, which runs one call at a time.
/// </remarks>
public sealed class GeofenceEngine(GeofencingOptions options)
{
    readonly List<(Guid Id, ZoneVisitState State)> _inside = [];
    UserPresence? _insideOf;

    /// <summary>Below this many zones a plain scan beats the spatial index (measured by Zones.Benchmarks).</summary>
    internal const int DefaultIndexThreshold = 16;

    static readonly Comparison<CompiledZone> ById = static (a, b) => a.Id.CompareTo(b.Id);
    static readonly Comparison<DueDwell> ByDue = static (a, b) =>
        a.Due != b.Due ? a.Due.CompareTo(b.Due) : a.Zone.Id.CompareTo(b.Zone.Id);

    readonly ZoneMap _zones = new();
    // The map's own array while the index is fresh (every change to the map marks it stale): no second copy.
    ArraySegment<CompiledZone> _scan = ArraySegment<CompiledZone>.Empty;
    STRtree<CompiledZone>? _tree;
    bool _indexStale = true;
    long _stamp;

    // Working space of one call, shared by every engine on the thread rather than held by each of a million
    // users: every public method runs start to end without awaiting or calling into another engine, so one call
    // at a time uses it per thread.
    [ThreadStatic] static Scratch? t_scratch;

    // The last fix during a batch: written back to presence once per batch, so a ping allocates no Fix.
    bool _hasFix;
    double _fixLatitude;
    double _fixLongitude;
    long _fixTimestamp;

    // The candidate track during a batch (UserPresence.Candidate, CandidateCount), written back likewise.
    int _candidateCount;
    double _candidateLatitude;
    double _candidateLongitude;
    long _candidateTimestamp;
    bool _candidateMoved;

    /// <summary>Zone count from which the STRtree is used; settable so the benchmark can compare both paths.</summary>
    internal int IndexThreshold
    {
        get => _indexThreshold;
        set
        {
            _indexThreshold = value;
            _indexStale = true;
        }
    }

    int _indexThreshold = DefaultIndexThreshold;

    /// <summary>How many zones are loaded.</summary>
    public int ZoneCount => _zones.Count;

    /// <summary>The loaded zones, in no particular order.</summary>
    public IEnumerable<Zone> Zones => _zones.Values.Select(static zone => zone.Zone);

    /// <summary>The loaded zone with this id, as it was given to <see cref="Load"/> or <see cref="Upsert"/>.</summary>
    public bool TryGetZone(Guid zoneId, [NotNullWhen(true)] out Zone? zone)
    {
        if (_zones.TryGetValue(zoneId, out var compiled))
        {
            zone = compiled.Zone;
            return true;
        }

        zone = null;
        return false;
    }

    /// <summary>Drops from presence, without an exit, every zone that is not loaded (deleted while the grain was
    /// not active); returns how many.</summary>
    public int ForgetUnloadedZones(UserPresence presence)
    {
        ArgumentNullException.ThrowIfNull(presence);
        List<Guid>? gone = null;
        foreach (var zoneId in presence.Zones.Keys)
        {
            if (!TryGetZone(zoneId, out _))
            {
                (gone ??= []).Add(zoneId);
            }
        }

        if (gone is null)
        {
            return 0;
        }

        foreach (var zoneId in gone)
        {
            Remove(zoneId, presence);
        }

        return gone.Count;
    }

    /// <summary>Compiles a zone definition, or throws <see cref="DomainValidationException"/> with details
    /// (self-intersecting polygon, ...). Used before a zone is stored.</summary>
    public static void Validate(ZoneDefinition definition) => ZoneShapes.Validate(definition);

    /// <summary>Replaces all zones.</summary>
    public void Load(IEnumerable<Zone> zones)
    {
        ArgumentNullException.ThrowIfNull(zones);
        _zones.Clear(zones.TryGetNonEnumeratedCount(out var count) ? count : 0);
        foreach (var zone in zones)
        {
            _zones[zone.Id] = Compile(zone);
        }

        _indexStale = true;
    }

    /// <summary>Adds or replaces one zone.</summary>
    /// <remarks>A new zone, or one moved around the user's position, is entered by the next ping that is inside it
    /// by the margin: the engine does not invent an enter from the last fix, so there is exactly one rule and no
    /// double event. Presence (visit counter, inside flag) of a replaced zone is kept: a zone moved away from a
    /// user inside it is left on the next ping with a normal exit.</remarks>
    public void Upsert(Zone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        _zones[zone.Id] = Compile(zone);
        _indexStale = true;
    }

    /// <summary>Removes a zone and drops it from presence without an exit.</summary>
    public void Remove(Guid zoneId, UserPresence presence)
    {
        ArgumentNullException.ThrowIfNull(presence);
        if (_zones.Remove(zoneId))
        {
            _indexStale = true;
        }

        presence.Zones.Remove(zoneId);
        if (ReferenceEquals(presence, _insideOf))
        {
            _inside.RemoveAll(entry => entry.Id == zoneId);
        }
    }

    /// <summary>The zones the user is inside. Presence keeps a visit counter for every zone ever entered, so
    /// walking all of it per ping would grow with the user's history; this list is derived once per presence
    /// object (a grain that reloads its state brings a new one) and then kept in step by this engine's own
    /// enters, exits and removals, the only changes made to that object afterwards.</summary>
    List<(Guid Id, ZoneVisitState State)> Inside(UserPresence presence)
    {
        if (!ReferenceEquals(presence, _insideOf))
        {
            _inside.Clear();
            foreach (var (zoneId, state) in presence.Zones)
            {
                if (state.Inside)
                {
                    _inside.Add((zoneId, state));
                }
            }

            _insideOf = presence;
        }

        return _inside;
    }

    /// <summary>Evaluates pings in timestamp order, ignoring those not newer than the high-water mark;
    /// updates <paramref name="presence"/>. Exits come before enters within one ping.</summary>
    public Evaluation Evaluate(Guid userId, UserPresence presence, IReadOnlyList<Ping> pings)
    {
        ArgumentNullException.ThrowIfNull(presence);
        ArgumentNullException.ThrowIfNull(pings);
        EnsureIndex();

        var count = pings.Count;
        var order = IsSorted(pings) ? null : SortOrder(pings);
        ReadFix(presence);
        var fixMoved = false;
        var highWaterMark = presence.HighWaterMark;
        var accepted = 0;
        var ignored = 0;
        List<Transition>? transitions = null;
        for (var k = 0; k < count; k++)
        {
            var ping = order is null ? pings[k] : pings[order[k].Index];
            if (highWaterMark is long mark && ping.Timestamp <= mark)
            {
                ignored++;
                continue;
            }

            accepted++;
            highWaterMark = ping.Timestamp;
            presence.HighWaterMark = highWaterMark;
            fixMoved |= EvaluatePing(userId, presence, ping, ref transitions);
        }

        if (fixMoved)
        {
            presence.LastFix = new Fix(_fixLatitude, _fixLongitude, _fixTimestamp);
        }

        if (_candidateMoved)
        {
            presence.Candidate = _candidateCount > 0 ? new Fix(_candidateLatitude, _candidateLongitude, _candidateTimestamp) : null;
            presence.CandidateCount = _candidateCount;
        }

        return new Evaluation(accepted, ignored, transitions ?? (IReadOnlyList<Transition>)[]);
    }

    /// <summary>Dwell activities that are due at <paramref name="nowMs"/> with no further ping.</summary>
    /// <remarks>Each carries the time it fell due (entered + dwellSeconds), not <paramref name="nowMs"/>, and the
    /// last fix's position: the same event a later ping would have produced.</remarks>
    public IReadOnlyList<Transition> CollectDueDwells(Guid userId, UserPresence presence, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(presence);
        var dwells = Scratch.Shared.Dwells;
        dwells.Clear();
        foreach (var (zoneId, state) in Inside(presence))
        {
            if (!state.DwellFired && _zones.TryGetValue(zoneId, out var zone)
                && zone.DwellMs is long dwell && state.EnteredAt + dwell <= nowMs)
            {
                dwells.Add(new(state.EnteredAt + dwell, zone, state));
            }
        }

        if (dwells.Count == 0)
        {
            return [];
        }

        ReadFix(presence);
        List<Transition>? transitions = null;
        EmitDwells(userId, _hasFix ? _fixLatitude : double.NaN, _hasFix ? _fixLongitude : double.NaN, ref transitions);
        return transitions!;
    }

    /// <summary>When the next dwell falls due, if any visit is waiting for one.</summary>
    public long? NextDwellDueAt(UserPresence presence)
    {
        ArgumentNullException.ThrowIfNull(presence);
        long? next = null;
        foreach (var (zoneId, state) in Inside(presence))
        {
            if (!state.DwellFired && _zones.TryGetValue(zoneId, out var zone) && zone.DwellMs is long dwell)
            {
                var due = state.EnteredAt + dwell;
                if (next is null || due < next)
                {
                    next = due;
                }
            }
        }

        return next;
    }

    /// <summary>Applies one evaluated ping; true when it became the last fix.</summary>
    bool EvaluatePing(Guid userId, UserPresence presence, Ping ping, ref List<Transition>? transitions)
    {
        var t = ping.Timestamp;
        var usable = IsUsable(ping);
        var accuracy = ping.Accuracy is double a and > 0 ? a * options.AccuracyMarginFactor : 0;
        var stamp = ++_stamp;
        var scratch = Scratch.Shared;
        var dwells = scratch.Dwells;
        var exits = scratch.Exits;
        dwells.Clear();
        exits.Clear();
        scratch.Candidates.Found.Clear();

        // Zones the user is in: their due dwells, and whether this ping leaves them. The index is no help here:
        // a user far outside a zone must still leave it.
        foreach (var (zoneId, state) in Inside(presence))
        {
            if (!_zones.TryGetValue(zoneId, out var zone))
            {
                continue;
            }

            zone.Stamp = stamp;
            if (zone.DwellMs is long dwell && !state.DwellFired && state.EnteredAt + dwell <= t)
            {
                dwells.Add(new(state.EnteredAt + dwell, zone, state));
            }

            if (usable && zone.ShouldExit(ping.Latitude, ping.Longitude, Math.Max(accuracy, zone.BaseMarginMeters)))
            {
                exits.Add(zone);
            }
        }

        if (usable)
        {
            FindEnters(scratch, ping.Latitude, ping.Longitude, accuracy, stamp);
        }

        if (dwells.Count > 0)
        {
            // Due before this ping: the user was last seen at the last fix (the ping itself if there is none).
            EmitDwells(userId, _hasFix ? _fixLatitude : ping.Latitude, _hasFix ? _fixLongitude : ping.Longitude,
                ref transitions);
        }

        if (!usable)
        {
            return false;
        }

        _hasFix = true;
        _fixLatitude = ping.Latitude;
        _fixLongitude = ping.Longitude;
        _fixTimestamp = t;

        if (exits.Count > 0)
        {
            exits.Sort(ById);
            foreach (var zone in exits)
            {
                var state = presence.Zones[zone.Id];
                state.Inside = false;
                _inside.RemoveAll(entry => entry.Id == zone.Id);
                Add(ref transitions, userId, zone, state.Visits, ActivityTypes.Exit, t, ping.Latitude, ping.Longitude);
            }
        }

        var enters = scratch.Candidates.Found;
        if (enters.Count > 0)
        {
            enters.Sort(ById);
            foreach (var zone in enters)
            {
                if (!presence.Zones.TryGetValue(zone.Id, out var state))
                {
                    state = new ZoneVisitState();
                    presence.Zones[zone.Id] = state;
                }

                state.Visits++;
                state.Inside = true;
                _inside.Add((zone.Id, state));
                state.EnteredAt = t;
                state.DwellFired = false;
                Add(ref transitions, userId, zone, state.Visits, ActivityTypes.Enter, t, ping.Latitude, ping.Longitude);
            }

            // dwellSeconds = 0: the dwell is due the moment the visit begins, after its enter.
            foreach (var zone in enters)
            {
                if (zone.DwellMs == 0)
                {
                    var state = presence.Zones[zone.Id];
                    state.DwellFired = true;
                    Add(ref transitions, userId, zone, state.Visits, ActivityTypes.Dwell, t, ping.Latitude, ping.Longitude);
                }
            }
        }

        return true;
    }

    void FindEnters(Scratch scratch, double latitude, double longitude, double accuracy, long stamp)
    {
        var candidates = scratch.Candidates;
        candidates.Reset(latitude, longitude, accuracy, stamp);
        if (_tree is null)
        {
            foreach (var zone in _scan)
            {
                candidates.VisitItem(zone);
            }
        }
        else
        {
            scratch.Query.Init(longitude, longitude, latitude, latitude);
            _tree.Query(scratch.Query, candidates);
        }
    }

    static void EmitDwells(Guid userId, double latitude, double longitude, ref List<Transition>? transitions)
    {
        var dwells = Scratch.Shared.Dwells;
        if (dwells.Count > 1)
        {
            dwells.Sort(ByDue);
        }

        foreach (var (due, zone, state) in dwells)
        {
            state.DwellFired = true;
            // No position at all (presence restored without a fix): the zone's own label point.
            var lat = double.IsNaN(latitude) ? zone.Latitude : latitude;
            var lon = double.IsNaN(longitude) ? zone.Longitude : longitude;
            Add(ref transitions, userId, zone, state.Visits, ActivityTypes.Dwell, due, lat, lon);
        }

        dwells.Clear();
    }

    static void Add(ref List<Transition>? transitions, Guid userId, CompiledZone zone, int visit, string type,
        long timestamp, double latitude, double longitude)
    {
        var zoneEvent = new ZoneEvent(ActivityIds.For(userId, zone.Id, visit, type), zone.Id, zone.Title, type,
            timestamp, latitude, longitude, zone.Icon, zone.NotificationText);
        (transitions ??= []).Add(new Transition(zoneEvent, NotificationOptions.Pushes(zone.NotificationOption, type)));
    }

    /// <summary>Whether a ping may move presence: finite, accurate enough, and reachable from the last fix or
    /// the fix that confirms a candidate track (see the remarks on this class). Keeps the track up to date.</summary>
    bool IsUsable(Ping ping)
    {
        if (!double.IsFinite(ping.Latitude) || !double.IsFinite(ping.Longitude))
        {
            return false;
        }

        if (ping.Accuracy is double accuracy && !(accuracy <= options.MaxAccuracyMeters))
        {
            return false;
        }

        if (!_hasFix || Reachable(_fixLatitude, _fixLongitude, _fixTimestamp, ping))
        {
            if (_candidateCount > 0)
            {
                // The anchor holds: whatever disagreed with it was a glitch.
                _candidateCount = 0;
                _candidateMoved = true;
            }

            return true;
        }

        // Disagrees with the anchor: a candidate for a new position, extending the track if it follows from it.
        _candidateCount = _candidateCount > 0
            && Reachable(_candidateLatitude, _candidateLongitude, _candidateTimestamp, ping) ? _candidateCount + 1 : 1;
        _candidateLatitude = ping.Latitude;
        _candidateLongitude = ping.Longitude;
        _candidateTimestamp = ping.Timestamp;
        _candidateMoved = true;
        if (_candidateCount < options.ConfirmFixes)
        {
            return false;
        }

        _candidateCount = 0; // Confirmed: it becomes the anchor.
        return true;
    }

    /// <summary>Whether the ping is within <see cref="GeofencingOptions.MaxSpeedKmh"/> of an earlier fix.</summary>
    bool Reachable(double latitude, double longitude, long timestamp, Ping ping)
    {
        var meters = Geodesy.Haversine(latitude, longitude, ping.Latitude, ping.Longitude);
        var elapsedMs = ping.Timestamp - timestamp;
        if (elapsedMs <= 0)
        {
            return meters < 1; // No time passed: only "did not move" is possible.
        }

        // m/ms x 3600 = km/h. The older the earlier fix, the farther the ping may be from it.
        return meters / elapsedMs * 3600 <= options.MaxSpeedKmh;
    }

    void ReadFix(UserPresence presence)
    {
        _candidateMoved = false;
        if (presence.Candidate is { } candidate && presence.CandidateCount > 0)
        {
            _candidateCount = presence.CandidateCount;
            _candidateLatitude = candidate.Latitude;
            _candidateLongitude = candidate.Longitude;
            _candidateTimestamp = candidate.Timestamp;
        }
        else
        {
            _candidateCount = 0;
        }

        if (presence.LastFix is { } fix)
        {
            _hasFix = true;
            _fixLatitude = fix.Latitude;
            _fixLongitude = fix.Longitude;
            _fixTimestamp = fix.Timestamp;
        }
        else
        {
            _hasFix = false;
        }
    }

    static bool IsSorted(IReadOnlyList<Ping> pings)
    {
        for (var i = 1; i < pings.Count; i++)
        {
            if (pings[i].Timestamp < pings[i - 1].Timestamp)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Stable order by timestamp: (timestamp, original index) pairs, so among equal timestamps the
    /// first sent is the one evaluated.</summary>
    static (long Timestamp, int Index)[] SortOrder(IReadOnlyList<Ping> pings)
    {
        var scratch = Scratch.Shared;
        if (scratch.Order.Length < pings.Count)
        {
            scratch.Order = new (long, int)[pings.Count];
        }

        var order = scratch.Order;
        for (var i = 0; i < pings.Count; i++)
        {
            order[i] = (pings[i].Timestamp, i);
        }

        Array.Sort(order, 0, pings.Count);
        return order;
    }

    CompiledZone Compile(Zone zone) =>
        zone.Definition.Polygon is null ? new CircleZone(zone, options) : PolygonZone.Compile(zone, options);

    /// <summary>Rebuilds the scan list and, for many zones, the STRtree (which cannot change once queried).
    /// The index only has to find zones a ping could enter, which needs the point inside the shape, so the
    /// envelopes get a small slack for the degree conversion rather than the whole margin; the zones a ping
    /// could leave come from presence.</summary>
    void EnsureIndex()
    {
        if (!_indexStale)
        {
            return;
        }

        _scan = _zones.Values;
        _tree = null;
        if (_scan.Count >= IndexThreshold)
        {
            var slack = Math.Max(options.MinMarginMeters, 10);
            var tree = new STRtree<CompiledZone>();
            foreach (var zone in _scan)
            {
                tree.Insert(zone.IndexEnvelope(slack), zone);
            }

            tree.Build();
            _tree = tree;
        }

        _indexStale = false;
    }

    readonly record struct DueDwell(long Due, CompiledZone Zone, ZoneVisitState State);

    /// <summary>The lists and buffers one evaluation works in; see <see cref="t_scratch"/>.</summary>
    sealed class Scratch
    {
        public static Scratch Shared => t_scratch ??= new();

        public Envelope Query { get; } = new();
        public EnterCandidates Candidates { get; } = new();
        public List<CompiledZone> Exits { get; } = [];
        public List<DueDwell> Dwells { get; } = [];
        public (long Timestamp, int Index)[] Order { get; set; } = [];
    }

    /// <summary>Collects the zones a ping enters; used both as the STRtree visitor and for the plain scan.</summary>
    sealed class EnterCandidates : IItemVisitor<CompiledZone>
    {
        double _latitude;
        double _longitude;
        double _accuracy;
        long _stamp;

        public List<CompiledZone> Found { get; } = [];

        public void Reset(double latitude, double longitude, double accuracy, long stamp)
        {
            _latitude = latitude;
            _longitude = longitude;
            _accuracy = accuracy;
            _stamp = stamp;
        }

        public void VisitItem(CompiledZone zone)
        {
            if (zone.Stamp == _stamp)
            {
                return; // The user is inside it: already handled as a possible exit.
            }

            zone.Stamp = _stamp;
            if (zone.ShouldEnter(_latitude, _longitude, Math.Max(_accuracy, zone.BaseMarginMeters)))
            {
                Found.Add(zone);
            }
        }
    }
}
