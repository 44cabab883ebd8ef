using Npgsql;
using Zones.Statistics;

namespace Zones.Silo.Postgres;

/// <summary>Statistics by SQL. A user's figures are range scans of <c>activities_user_time</c>, which carries type
/// and zone, so a year of history is an index-only scan; partitions outside the window are pruned. The streak is
/// not computed here: a trigger maintains it as activities are inserted (migration 0005).</summary>
public sealed class PostgresStatisticsReader(NpgsqlDataSource dataSource) : IStatisticsReader
{
    public const int MaxZones = 100;

    private const string UserSql = """
        SELECT (SELECT count(*) FROM zones WHERE user_id = @user AND deleted_at IS NULL),
               (SELECT CASE WHEN streak_last_day >= @today - 1 THEN streak ELSE 0 END FROM users WHERE id = @user);

        SELECT to_char(day, 'YYYY-MM-DD'), coalesce(c.enter, 0), coalesce(c.exit, 0), coalesce(c.dwell, 0)
        FROM generate_series(@first::timestamp, @today::timestamp, interval '1 day') AS day
        LEFT JOIN (
            SELECT ("timestamp" AT TIME ZONE 'UTC')::date AS on_day,
                   count(*) FILTER (WHERE type = 'enter')::integer AS enter,
                   count(*) FILTER (WHERE type = 'exit')::integer AS exit,
                   count(*) FILTER (WHERE type = 'dwell')::integer AS dwell
            FROM activities
            WHERE user_id = @user AND "timestamp" >= @from AND "timestamp" < @until
            GROUP BY 1) c ON c.on_day = day::date
        ORDER BY day;

        -- A visit is an enter and the exit after it. Its seconds count inside the window: a visit that began
        -- before the window counts from the window's start, one still going (zone live, no exit yet) until now.
        WITH transitions AS (
            SELECT zone_id, type, "timestamp",
                   lag(type) OVER visit AS previous_type, lag("timestamp") OVER visit AS previous_at,
                   lead(type) OVER visit AS next_type
            FROM activities
            WHERE user_id = @user AND "timestamp" >= @from AND "timestamp" < @until AND type IN ('enter', 'exit')
            WINDOW visit AS (PARTITION BY zone_id ORDER BY "timestamp", id)
        ), per_zone AS (
            SELECT zone_id,
                   count(*) FILTER (WHERE type = 'enter')::integer AS visits,
                   sum(CASE WHEN type = 'exit' AND previous_type = 'enter' THEN extract(epoch FROM "timestamp" - previous_at)
                            WHEN type = 'exit' AND previous_type IS NULL THEN extract(epoch FROM "timestamp" - @from)
                            ELSE 0 END) AS closed,
                   max("timestamp") FILTER (WHERE type = 'enter' AND next_type IS NULL) AS open_since
            FROM transitions
            GROUP BY zone_id
        )
        -- Names by primary key, one probe per zone visited (LATERAL keeps the planner from scanning all zones).
        SELECT p.zone_id, coalesce(z.title, ''), p.visits,
               (p.closed + CASE WHEN z.deleted_at IS NULL AND p.open_since IS NOT NULL
                                THEN greatest(extract(epoch FROM @now - p.open_since), 0) ELSE 0 END)::bigint AS seconds
        FROM per_zone p
        LEFT JOIN LATERAL (SELECT title, deleted_at FROM zones WHERE zones.id = p.zone_id) z ON true
        ORDER BY seconds DESC, p.visits DESC, p.zone_id
        LIMIT @maxZones;
        """;

    private const string OverviewSql = """
        SELECT (SELECT count(*) FROM users WHERE deleted_at IS NULL),
               (SELECT count(DISTINCT user_id) FROM activities WHERE "timestamp" >= @now - interval '24 hours'),
               (SELECT count(*) FROM zones WHERE deleted_at IS NULL);

        SELECT to_char(day, 'YYYY-MM-DD'), coalesce(c.n, 0)
        FROM generate_series(@first::timestamp, @today::timestamp, interval '1 day') AS day
        LEFT JOIN (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS on_day, count(*) AS n
            FROM zones WHERE created_at >= @from AND created_at < @until GROUP BY 1) c ON c.on_day = day::date
        ORDER BY day;

        SELECT to_char(day, 'YYYY-MM-DD'), coalesce(c.n, 0)
        FROM generate_series(@first::timestamp, @today::timestamp, interval '1 day') AS day
        LEFT JOIN (
            SELECT ("timestamp" AT TIME ZONE 'UTC')::date AS on_day, count(*) AS n
            FROM activities WHERE "timestamp" >= @from AND "timestamp" < @until GROUP BY 1) c ON c.on_day = day::date
        ORDER BY day;
        """;

    public async Task<UserStatistics> ForUserAsync(Guid userId, int days, long now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(UserSql);
        AddWindow(command, days, now);
        command.Parameters.Add(new NpgsqlParameter<Guid>("user", userId));
        command.Parameters.Add(new NpgsqlParameter<int>("maxZones", MaxZones));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        await reader.ReadAsync(cancellationToken);
        var zones = (int)reader.GetInt64(0);
        var streak = reader.IsDBNull(1) ? 0 : reader.GetInt32(1);

        await reader.NextResultAsync(cancellationToken);
        var byDay = new List<DayActivity>(days);
        while (await reader.ReadAsync(cancellationToken))
        {
            byDay.Add(new DayActivity(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)));
        }

        await reader.NextResultAsync(cancellationToken);
        var byZone = new List<ZoneUsage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            byZone.Add(new ZoneUsage(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3)));
        }

        var today = byDay.Count > 0 ? byDay[^1] : new DayActivity("", 0, 0, 0);
        return new UserStatistics(zones, today.Enter + today.Exit + today.Dwell, streak, byDay, byZone);
    }

    public async Task<ServiceOverview> OverviewAsync(int days, long now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(OverviewSql);
        AddWindow(command, days, now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        await reader.ReadAsync(cancellationToken);
        var (users, active, zones) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        await reader.NextResultAsync(cancellationToken);
        var zonesByDay = await ReadDayCountsAsync(reader, days, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var activitiesByDay = await ReadDayCountsAsync(reader, days, cancellationToken);
        return new ServiceOverview(users, active, zones, zonesByDay, activitiesByDay, PingsLastMinute: 0);
    }

    /// <summary>The window is whole UTC days: <c>days</c> of them, today the last.</summary>
    private static void AddWindow(NpgsqlCommand command, int days, long now)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(now).UtcDateTime;
        var today = DateOnly.FromDateTime(at);
        var first = today.AddDays(1 - days);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<DateOnly>("today", today));
        p.Add(new NpgsqlParameter<DateOnly>("first", first));
        p.Add(new NpgsqlParameter<DateTime>("from", first.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)));
        p.Add(new NpgsqlParameter<DateTime>("until", today.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)));
        p.Add(new NpgsqlParameter<DateTime>("now", at));
    }

    private static async Task<IReadOnlyList<DayCount>> ReadDayCountsAsync(NpgsqlDataReader reader, int days, CancellationToken cancellationToken)
    {
        var counts = new List<DayCount>(days);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new DayCount(reader.GetString(0), reader.GetInt64(1)));
        }
        return counts;
    }
}
