using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Zones.Silo.Observability;

/// <summary>The silo is ready while it is an active member of the cluster (joined, not shutting down).</summary>
public sealed class ClusterHealthCheck(ISiloStatusOracle oracle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(oracle.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"silo is {oracle.CurrentStatus}"));
}
