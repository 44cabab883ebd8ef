namespace Zones.Statistics;

/// <summary>One UTC day's activity counts of a user; <see cref="Date"/> is <c>yyyy-MM-dd</c>.</summary>
[GenerateSerializer, Immutable, Alias("Zones.DayActivity")]
public sealed record DayActivity(
    [property: Id(0)] string Date,
    [property: Id(1)] int Enter,
    [property: Id(2)] int Exit,
    [property: Id(3)] int Dwell);

/// <summary>How a user used one zone in the window: visits (enters) and the time spent inside.</summary>
[GenerateSerializer, Immutable, Alias("Zones.ZoneUsage")]
public sealed record ZoneUsage(
    [property: Id(0)] Guid ZoneId,
    [property: Id(1)] string ZoneName,
    [property: Id(2)] int Visits,
    [property: Id(3)] long SecondsInside);

/// <summary>A user's statistics over the last <c>days</c> UTC days (today included).</summary>
[GenerateSerializer, Immutable, Alias("Zones.UserStatistics")]
public sealed record UserStatistics(
    [property: Id(0)] int Zones,
    [property: Id(1)] int ActivitiesToday,
    [property: Id(2)] int Streak,
    [property: Id(3)] IReadOnlyList<DayActivity> ByDay,
    [property: Id(4)] IReadOnlyList<ZoneUsage> ByZone);

/// <summary>A count on one UTC day (<c>yyyy-MM-dd</c>).</summary>
[GenerateSerializer, Immutable, Alias("Zones.DayCount")]
public sealed record DayCount([property: Id(0)] string Date, [property: Id(1)] long Count);

/// <summary>The whole service at a glance, for admins.</summary>
[GenerateSerializer, Immutable, Alias("Zones.ServiceOverview")]
public sealed record ServiceOverview(
    [property: Id(0)] long Users,
    [property: Id(1)] long ActiveUsers24h,
    [property: Id(2)] long Zones,
    [property: Id(3)] IReadOnlyList<DayCount> ZonesCreatedByDay,
    [property: Id(4)] IReadOnlyList<DayCount> ActivitiesByDay,
    [property: Id(5)] long PingsLastMinute);

/// <summary>Statistics computed by SQL over the activity log. A stateless worker: reads never queue behind pings.</summary>
[Alias("Zones.IStatisticsGrain")]
public interface IStatisticsGrain : IGrainWithIntegerKey
{
    public const int MaxDays = 365;
    public const int OverviewDays = 30;

    /// <summary>The user's statistics over the last <paramref name="days"/> UTC days (1 to <see cref="MaxDays"/>).</summary>
    [Alias("ForUser")]
    Task<UserStatistics> ForUser(Guid userId, int days);

    /// <summary>Counts over every user for the last <see cref="OverviewDays"/> days (from <see cref="IOverviewGrain"/>).</summary>
    [Alias("Overview")]
    Task<ServiceOverview> Overview();
}

/// <summary>The service overview, computed at most once per cache period for the whole cluster (one activation,
/// key 0), plus each silo's count of pings received in the last minute, which silos report every few seconds:
/// reading it costs one call, no fan-out.</summary>
[Alias("Zones.IOverviewGrain")]
public interface IOverviewGrain : IGrainWithIntegerKey
{
    [Alias("ReportPings")]
    Task ReportPings(string silo, long pingsLastMinute);

    /// <summary>The overview; <c>pingsLastMinute</c> sums the silos whose report is fresh.</summary>
    [Alias("Get")]
    Task<ServiceOverview> Get();
}
