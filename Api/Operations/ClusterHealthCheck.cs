using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Zones.Api.Operations;

/// <summary>The Api node can serve only while it reaches an active silo: the management grain answers only from
/// inside the cluster. This check decides the node's readiness.</summary>
public sealed class ClusterHealthCheck(IClusterClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
        return hosts.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no active silo");
    }
}
