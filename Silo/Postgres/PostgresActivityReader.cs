using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using Npgsql;
using Zones.Activities;
using Zones.Errors;
using Zones.Geofencing;

namespace Zones.Silo.Postgres;

/// <summary>A user's activity history from the <c>activities</c> table, newest first, paged by a
/// keyset cursor over (timestamp, id): a page never repeats or skips a row, however many rows
/// arrive between requests, and each page is an index range scan.</summary>
public sealed class PostgresActivityReader(NpgsqlDataSource dataSource) : IActivityReader
{
    public const int MaxLimit = 200;

    public async Task<ActivityPage> QueryAsync(Guid userId, ActivityQuery query, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(query.Limit, 1, MaxLimit);
        var sql = new StringBuilder("""
            SELECT id, zone_id, zone_name, type, "timestamp", latitude, longitude, icon, notification_text
            FROM activities
            WHERE user_id = @user
            """);
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<Guid>("user", userId));

        if (query.ZoneId is { } zoneId)
        {
            sql.Append(" AND zone_id = @zone");
            command.Parameters.Add(new NpgsqlParameter<Guid>("zone", zoneId));
        }
        if (query.Type is { } type)
        {
            sql.Append(" AND type = @type");
            command.Parameters.Add(new NpgsqlParameter<string>("type", type));
        }
        if (query.From is { } from)
        {
            sql.Append(" AND \"timestamp\" >= @from");
            command.Parameters.Add(new NpgsqlParameter<DateTime>("from", UnixTime.ToUtc(from)));
        }
        if (query.To is { } to)
        {
            sql.Append(" AND \"timestamp\" <= @to");
            command.Parameters.Add(new NpgsqlParameter<DateTime>("to", UnixTime.ToUtc(to)));
        }
        if (query.Cursor is { } cursor)
        {
            var (afterTimestamp, afterId) = ActivityCursor.Decode(cursor);
            sql.Append(" AND (\"timestamp\", id) < (@afterTimestamp, @afterId)");
            command.Parameters.Add(new NpgsqlParameter<DateTime>("afterTimestamp", UnixTime.ToUtc(afterTimestamp)));
            command.Parameters.Add(new NpgsqlParameter<Guid>("afterId", afterId));
        }

        // One row more than asked tells whether a next page exists without a count.
        sql.Append(" ORDER BY \"timestamp\" DESC, id DESC LIMIT @take");
        command.Parameters.Add(new NpgsqlParameter<int>("take", limit + 1));
        command.CommandText = sql.ToString();

        var items = new List<ZoneEvent>(limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(ReadEvent(reader));
            }
        }

        if (items.Count <= limit)
        {
            return new ActivityPage(items, null);
        }
        items.RemoveAt(limit);
        var last = items[^1];
        return new ActivityPage(items, ActivityCursor.Encode(last.Timestamp, last.Id));
    }

    /// <summary>Read for a resent batch only (never on a first attempt): an index range over the user's rows in the
    /// batch's time span. <c>rank()</c> keeps every row that ties with the limit-th one by timestamp, so the grain
    /// can put ties in the engine's order before it cuts.</summary>
    public async Task<RecordedEvents> ReadRecordedAsync(Guid userId, string? deviceId, long from, long to, int limit,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, zone_id, zone_name, type, "timestamp", latitude, longitude, icon, notification_text, total
            FROM (
                SELECT id, zone_id, zone_name, type, "timestamp", latitude, longitude, icon, notification_text,
                       rank() OVER (ORDER BY "timestamp") AS position, count(*) OVER () AS total
                FROM activities
                WHERE user_id = @user AND "timestamp" BETWEEN @from AND @to AND device_id IS NOT DISTINCT FROM @device
            ) matched
            WHERE position <= @limit
            ORDER BY "timestamp", id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid>("user", userId));
        command.Parameters.Add(new NpgsqlParameter<DateTime>("from", UnixTime.ToUtc(from)));
        command.Parameters.Add(new NpgsqlParameter<DateTime>("to", UnixTime.ToUtc(to)));
        command.Parameters.Add(new NpgsqlParameter("device", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)deviceId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<long>("limit", Math.Max(limit, 1)));

        var events = new List<ZoneEvent>();
        var total = 0L;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(ReadEvent(reader));
            total = reader.GetInt64(9);
        }

        return new RecordedEvents(events, (int)Math.Min(total, int.MaxValue));
    }

    private static ZoneEvent ReadEvent(NpgsqlDataReader reader) => new(
        Id: reader.GetGuid(0),
        ZoneId: reader.GetGuid(1),
        ZoneName: reader.GetString(2),
        Type: reader.GetString(3),
        Timestamp: UnixTime.FromUtc(reader.GetDateTime(4)),
        Latitude: reader.GetDouble(5),
        Longitude: reader.GetDouble(6),
        Icon: reader.IsDBNull(7) ? null : reader.GetString(7),
        NotificationText: reader.IsDBNull(8) ? null : reader.GetString(8));
}

/// <summary>The opaque cursor: base64url of the last row's (timestamp ms, id). Clients must not parse
/// it; a malformed one is a validation error on the <c>cursor</c> field.</summary>
public static class ActivityCursor
{
    private const int Length = 8 + 16;

    public static string Encode(long timestamp, Guid id)
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, timestamp);
        id.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static (long Timestamp, Guid Id) Decode(string cursor)
    {
        Span<byte> bytes = stackalloc byte[Length + 3];
        int written;
        try
        {
            // TryDecode answers false for a short buffer but throws on characters outside the alphabet.
            if (cursor.Length > 64 || !Base64Url.TryDecodeFromChars(cursor, bytes, out written))
            {
                written = -1;
            }
        }
        catch (FormatException)
        {
            written = -1;
        }
        var timestamp = written == Length ? BinaryPrimitives.ReadInt64BigEndian(bytes) : -1;
        // A cursor is opaque to clients, but a crafted one must still be a 400, not an out-of-range 500.
        if (timestamp is < 0 or > UnixTime.MaxUnixMs)
        {
            throw new DomainValidationException("The cursor is not valid.", [new ErrorDetail("cursor", "is not a valid cursor")]);
        }
        return (timestamp, new Guid(bytes[8..Length], bigEndian: true));
    }
}
