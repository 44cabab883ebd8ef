using Microsoft.Extensions.Diagnostics.HealthChecks;
using Zones.Operations;

namespace Zones.Api.Operations;

/// <summary>The Api node can serve only while a silo answers it. The probe grain touches no storage (the
/// management grain's host list would read the membership table), so a PostgreSQL outage leaves the node ready
/// (it still answers quiet pings) and only this check decides readiness.</summary>
public sealed class ClusterHealthCheck(IClusterClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await client.GetGrain<IClusterProbeGrain>(0).Ping().WaitAsync(cancellationToken);
        return HealthCheckResult.Healthy();
    }
}
