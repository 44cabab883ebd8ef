using Orleans.Concurrency;

namespace Zones.Operations;

/// <summary>Runs on whichever silo the call reaches (a stateless worker is activated locally).</summary>
[StatelessWorker]
public sealed class ClusterProbeGrain : Grain, IClusterProbeGrain
{
    public Task Ping() => Task.CompletedTask;
}
