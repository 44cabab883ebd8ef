using System.Collections.Concurrent;
using Zones.Activities;

namespace Zones.IntegrationTests.Cluster;

/// <summary>The test's hand on the crash points of one cluster: which user's next commit (activities and presence,
/// one transaction) fails before it is written, or is written and then "loses" its answer as if the silo died
/// right after the commit. Held by the fixture and registered in every silo of its cluster (the silos run in this
/// process), so a test arms a fault for its own user and no other test or cluster sees it.</summary>
public sealed class CrashSwitch
{
    readonly ConcurrentDictionary<Guid, int> _failingCommits = new();
    readonly ConcurrentDictionary<Guid, int> _crashAfter = new();
    readonly ConcurrentDictionary<Guid, int> _struckCommits = new();
    readonly ConcurrentDictionary<Guid, int> _crashes = new();

    /// <summary>The silo hosting <paramref name="userId"/>'s grain "dies" right after a commit of that user's
    /// activities, <paramref name="commitsLetThrough"/> commits from now: the commit is durable (activities and
    /// presence), but the grain never answers the call that made it.</summary>
    public void CrashAfterCommit(Guid userId, int commitsLetThrough = 0) => _crashAfter[userId] = commitsLetThrough;

    /// <summary>The next activity commit that carries rows of <paramref name="userId"/> fails before any row
    /// is written (e.g. the database was unreachable for that group commit).</summary>
    public void FailNextActivityCommit(Guid userId) => _failingCommits[userId] = 1;

    /// <summary>How many activity commits of <paramref name="userId"/> were refused.</summary>
    public int StruckActivityCommits(Guid userId) => _struckCommits.GetValueOrDefault(userId);

    /// <summary>How many crashes after a commit struck <paramref name="userId"/>.</summary>
    public int CrashesAfterCommit(Guid userId) => _crashes.GetValueOrDefault(userId);

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

    internal void AfterActivityCommit(IReadOnlyList<ActivityRecord> activities)
    {
        foreach (var userId in activities.Select(a => a.UserId).Distinct())
        {
            if (!_crashAfter.TryGetValue(userId, out var letThrough))
            {
                continue;
            }

            if (letThrough > 0)
            {
                _crashAfter[userId] = letThrough - 1;
                continue;
            }

            _crashAfter.TryRemove(userId, out _);
            _crashes.AddOrUpdate(userId, 1, static (_, n) => n + 1);
            throw new InjectedCrashException($"injected crash: the silo of {userId} died after its commit");
        }
    }
}

/// <summary>Thrown in place of a write the test wants lost.</summary>
[GenerateSerializer, Alias("Zones.IntegrationTests.InjectedCrashException")]
public sealed class InjectedCrashException(string message) : Exception(message);

/// <summary>The silo's activity writer behind a switch that can fail a commit before it reaches the
/// group-commit writer, or lose its answer after it is durable.</summary>
public sealed class FaultInjectingActivityWriter(IActivityWriter inner, CrashSwitch faults) : IActivityWriter
{
    public async Task WriteAsync(IReadOnlyList<ActivityRecord> activities, PresenceWrite? presence = null,
        CancellationToken cancellationToken = default)
    {
        faults.BeforeActivityCommit(activities);
        await inner.WriteAsync(activities, presence, cancellationToken);
        faults.AfterActivityCommit(activities);
    }
}
