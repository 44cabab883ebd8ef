using System.Collections.Concurrent;
using Orleans.Storage;
using Zones.Activities;

namespace Zones.IntegrationTests.Cluster;

/// <summary>The test's hand on the crash points of one cluster: which user's next presence save or activity
/// commit fails. Held by the fixture and registered in every silo of its cluster (the silos run in this
/// process), so a test arms a fault for its own user and no other test or cluster sees it.</summary>
public sealed class CrashSwitch
{
    readonly ConcurrentDictionary<GrainId, PresenceFault> _presence = new();
    readonly ConcurrentDictionary<Guid, int> _failingCommits = new();
    readonly ConcurrentDictionary<GrainId, int> _struckSaves = new();
    readonly ConcurrentDictionary<Guid, int> _struckCommits = new();

    /// <summary>The silo hosting <paramref name="grain"/> "dies" at its presence save after
    /// <paramref name="savesLetThrough"/> more successful ones: that save is not written, and neither is any
    /// later save of the same activation (a dead silo writes nothing, not even on deactivation). The next
    /// activation, which reads its state again, runs on a "new" silo and writes normally.</summary>
    public void CrashAtPresenceSave(GrainId grain, int savesLetThrough = 0) =>
        _presence[grain] = new PresenceFault(savesLetThrough, untilReactivation: true);

    /// <summary>Only the next presence save of <paramref name="grain"/> fails (a transient storage error):
    /// later saves, such as the one on deactivation, go through.</summary>
    public void FailNextPresenceSave(GrainId grain) =>
        _presence[grain] = new PresenceFault(savesLetThrough: 0, untilReactivation: false);

    /// <summary>The next activity commit that carries rows of <paramref name="userId"/> fails before any row
    /// is written (e.g. the database was unreachable for that group commit).</summary>
    public void FailNextActivityCommit(Guid userId) => _failingCommits[userId] = 1;

    /// <summary>How many presence saves of <paramref name="grain"/> were refused.</summary>
    public int StruckPresenceSaves(GrainId grain) => _struckSaves.GetValueOrDefault(grain);

    /// <summary>How many activity commits of <paramref name="userId"/> were refused.</summary>
    public int StruckActivityCommits(Guid userId) => _struckCommits.GetValueOrDefault(userId);

    internal void BeforePresenceRead(GrainId grain)
    {
        if (_presence.TryGetValue(grain, out var fault) && fault.IsDead)
        {
            _presence.TryRemove(grain, out _);
        }
    }

    internal void BeforePresenceSave(GrainId grain)
    {
        if (_presence.TryGetValue(grain, out var fault) && fault.Refuses())
        {
            _struckSaves.AddOrUpdate(grain, 1, static (_, n) => n + 1);
            throw new InjectedCrashException($"injected crash: presence of {grain} not saved");
        }
    }

    internal void BeforeActivityCommit(IReadOnlyList<ActivityRecord> activities)
    {
        foreach (var userId in activities.Select(a => a.UserId).Distinct())
        {
            if (_failingCommits.TryRemove(userId, out _))
            {
                _struckCommits.AddOrUpdate(userId, 1, static (_, n) => n + 1);
                throw new InjectedCrashException($"injected failure: activities of {userId} not committed");
            }
        }
    }

    sealed class PresenceFault(int savesLetThrough, bool untilReactivation)
    {
        readonly Lock _gate = new();
        int _letThrough = savesLetThrough;
        bool _spent;

        public bool IsDead { get; private set; }

        public bool Refuses()
        {
            lock (_gate)
            {
                if (IsDead)
                {
                    return true;
                }

                if (_spent)
                {
                    return false;
                }

                if (_letThrough > 0)
                {
                    _letThrough--;
                    return false;
                }

                IsDead = untilReactivation;
                _spent = true;
                return true;
            }
        }
    }
}

/// <summary>Thrown in place of a write the test wants lost.</summary>
[GenerateSerializer, Alias("Zones.IntegrationTests.InjectedCrashException")]
public sealed class InjectedCrashException(string message) : Exception(message);

/// <summary>The "presence" grain storage of the crash cluster: the real ADO.NET storage behind a switch that
/// can refuse a save instead of performing it.</summary>
public sealed class FaultInjectingGrainStorage(IGrainStorage inner, CrashSwitch faults) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        faults.BeforePresenceRead(grainId);
        return inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        faults.BeforePresenceSave(grainId);
        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>The silo's activity writer behind a switch that can fail a commit before it reaches the
/// group-commit writer.</summary>
public sealed class FaultInjectingActivityWriter(IActivityWriter inner, CrashSwitch faults) : IActivityWriter
{
    public Task WriteAsync(IReadOnlyList<ActivityRecord> activities, CancellationToken cancellationToken = default)
    {
        faults.BeforeActivityCommit(activities);
        return inner.WriteAsync(activities, cancellationToken);
    }
}
