namespace Zones.Users;

/// <summary>Bounds on what one user can make their grain hold or answer (configuration section <c>Limits</c> on
/// the silos).</summary>
public sealed class UserLimits
{
    public const string Section = "Limits";

    /// <summary><c>Limits:MaxZonesPerUser</c>: live zones one user may have. Creating one more is a CONFLICT (409)
    /// until a zone is deleted. Every zone is compiled and held in the user's grain and checked against every
    /// ping, so this bounds both memory and the work per ping.</summary>
    public int MaxZonesPerUser { get; set; } = 1_000;

    /// <summary><c>Limits:MaxEventsPerAnswer</c>: zone events returned in one answer to a batch of pings. The rest
    /// are stored like the others and pushed as usual; the answer says how many it left out
    /// (<c>eventsOmitted</c>), and the client reads them from <c>GET /activities</c>.</summary>
    public int MaxEventsPerAnswer { get; set; } = 1_000;
}
