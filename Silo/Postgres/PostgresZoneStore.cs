using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zones.Geofencing;
using Zones.Users;

namespace Zones.Silo.Postgres;

/// <summary>Zones in the <c>zones</c> table. The centre (or label point) becomes a geography point
/// and a polygon's rings are kept twice: verbatim as JSON so they round-trip exactly, and as a
/// geography polygon for spatial queries.</summary>
public sealed class PostgresZoneStore(NpgsqlDataSource dataSource) : IZoneStore
{
    // Zones read here live as long as their user's grain: repeated strings share one instance per silo.
    readonly StringPool _strings = new();

    internal const string Columns = """
        id, user_id, title, address, latitude, longitude, radius, polygon_geojson::text, icon, color,
        description, notification_option, notification_text, dwell_seconds, image_url, created_at, updated_at
        """;

    // NULL rings give a NULL geography; otherwise the rings are wrapped into a GeoJSON Polygon.
    private const string PolygonFromRings = """
        CASE WHEN @rings IS NULL THEN NULL
             ELSE ST_SetSRID(ST_GeomFromGeoJSON(jsonb_build_object('type', 'Polygon', 'coordinates', @rings)), 4326)::geography
        END
        """;

    /// <summary>A user grain's activation reads this: a database outage is UNAVAILABLE (<see cref="DatabaseOutage.ReadAsync{T}"/>).</summary>
    public Task<IReadOnlyList<Zone>> LoadLiveZonesAsync(Guid userId, CancellationToken cancellationToken = default) =>
        DatabaseOutage.ReadAsync<IReadOnlyList<Zone>>(async () =>
        {
            await using var command = dataSource.CreateCommand(
                $"SELECT {Columns} FROM zones WHERE user_id = @user AND deleted_at IS NULL ORDER BY created_at, id");
            command.Parameters.Add(new NpgsqlParameter<Guid>("user", userId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var zones = new List<Zone>();
            while (await reader.ReadAsync(cancellationToken))
            {
                zones.Add(ReadZone(reader, _strings));
            }
            return zones;
        });

    public async Task InsertAsync(Zone zone, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO zones (id, user_id, title, address, location, latitude, longitude, radius, polygon, polygon_geojson,
                               icon, color, description, notification_option, notification_text, dwell_seconds, image_url,
                               created_at, updated_at)
            VALUES (@id, @user, @title, @address, ST_SetSRID(ST_MakePoint(@longitude, @latitude), 4326)::geography,
                    @latitude, @longitude, @radius, {PolygonFromRings}, @rings,
                    @icon, @color, @description, @option, @text, @dwell, @image, @created, @updated)
            """);
        AddZoneParameters(command, zone);
        command.Parameters.Add(new NpgsqlParameter<DateTime>("created", UnixTime.ToUtc(zone.CreatedAt)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task UpdateAsync(Zone zone, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE zones
            SET title = @title, address = @address,
                location = ST_SetSRID(ST_MakePoint(@longitude, @latitude), 4326)::geography,
                latitude = @latitude, longitude = @longitude, radius = @radius,
                polygon = {PolygonFromRings}, polygon_geojson = @rings,
                icon = @icon, color = @color, description = @description,
                notification_option = @option, notification_text = @text, dwell_seconds = @dwell,
                image_url = @image, updated_at = @updated
            WHERE id = @id AND user_id = @user AND deleted_at IS NULL
            """);
        AddZoneParameters(command, zone);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            // The grain only updates zones it holds, so a miss means its view and the table disagree.
            throw new InvalidOperationException($"Zone {zone.Id} of user {zone.UserId} is not a live zone.");
        }
    }

    public async Task<bool> SoftDeleteAsync(Guid userId, Guid zoneId, long deletedAt, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE zones SET deleted_at = @at, updated_at = @at
            WHERE id = @id AND user_id = @user AND deleted_at IS NULL
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime>("at", UnixTime.ToUtc(deletedAt)));
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", zoneId));
        command.Parameters.Add(new NpgsqlParameter<Guid>("user", userId));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static void AddZoneParameters(NpgsqlCommand command, Zone zone)
    {
        var d = zone.Definition;
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid>("id", zone.Id));
        p.Add(new NpgsqlParameter<Guid>("user", zone.UserId));
        p.Add(new NpgsqlParameter<string>("title", d.Title));
        p.Add(Text("address", d.Address));
        p.Add(new NpgsqlParameter<double>("latitude", d.Latitude));
        p.Add(new NpgsqlParameter<double>("longitude", d.Longitude));
        p.Add(new NpgsqlParameter<double>("radius", d.Radius));
        p.Add(new NpgsqlParameter("rings", NpgsqlDbType.Jsonb)
        {
            Value = d.Polygon is null ? DBNull.Value : JsonSerializer.Serialize(d.Polygon.Rings),
        });
        p.Add(Text("icon", d.Icon));
        p.Add(Text("color", d.Color));
        p.Add(Text("description", d.Description));
        p.Add(new NpgsqlParameter<string>("option", d.NotificationOption));
        p.Add(new NpgsqlParameter<string>("text", d.NotificationText));
        p.Add(new NpgsqlParameter("dwell", NpgsqlDbType.Integer) { Value = d.DwellSeconds is { } s ? s : DBNull.Value });
        p.Add(Text("image", zone.ImageUrl));
        p.Add(new NpgsqlParameter<DateTime>("updated", UnixTime.ToUtc(zone.UpdatedAt)));
    }

    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    /// <summary>Reads a zone row; <paramref name="strings"/> shares repeated strings among the zones a silo holds.</summary>
    internal static Zone ReadZone(NpgsqlDataReader r, StringPool? strings = null)
    {
        string? Nullable(int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
        string Share(string value) => strings?.Share(value) ?? value;
        string? ShareOrNull(string? value) => value is null ? null : Share(value);

        var rings = r.IsDBNull(7)
            ? null
            : JsonSerializer.Deserialize<List<List<double[]>>>(r.GetString(7))
              ?? throw new InvalidOperationException("A zone's polygon_geojson is not a ring list.");
        var definition = new ZoneDefinition(
            Title: Share(r.GetString(2)),
            Address: Nullable(3),
            Latitude: r.GetDouble(4),
            Longitude: r.GetDouble(5),
            Radius: r.GetDouble(6),
            Polygon: rings is null ? null : new PolygonCoordinates(rings.Select(ring => (IReadOnlyList<double[]>)ring).ToList()),
            Icon: ShareOrNull(Nullable(8)),
            Color: ShareOrNull(Nullable(9)),
            Description: Nullable(10),
            NotificationOption: Share(r.GetString(11)),
            NotificationText: Share(r.GetString(12)),
            DwellSeconds: r.IsDBNull(13) ? null : r.GetInt32(13));
        return new Zone(
            Id: r.GetGuid(0),
            UserId: r.GetGuid(1),
            Definition: definition,
            ImageUrl: Nullable(14),
            CreatedAt: UnixTime.FromUtc(r.GetDateTime(15)),
            UpdatedAt: UnixTime.FromUtc(r.GetDateTime(16)));
    }
}
