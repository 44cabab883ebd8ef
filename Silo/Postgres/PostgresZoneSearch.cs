using Npgsql;
using Zones.Nearby;

namespace Zones.Silo.Postgres;

/// <summary>Nearby search with PostGIS: <c>ST_DWithin</c> on the <c>location</c> geography (spheroid distances in
/// metres). The caller's live zones come from <c>zones_user_live</c>, the radius test from <c>zones_location_gist</c>;
/// the planner combines or picks them.</summary>
public sealed class PostgresZoneSearch(NpgsqlDataSource dataSource) : IZoneSearch
{
    public async Task<IReadOnlyList<NearbyZone>> FindNearbyAsync(Guid userId, NearbyQuery query, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH here AS (SELECT ST_SetSRID(ST_MakePoint(@longitude, @latitude), 4326)::geography AS point)
            SELECT {PostgresZoneStore.Columns}, ST_Distance(zones.location, here.point) AS distance
            FROM zones, here
            WHERE user_id = @user AND deleted_at IS NULL AND ST_DWithin(zones.location, here.point, @radius)
            ORDER BY distance, id
            LIMIT @limit
            """);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid>("user", userId));
        p.Add(new NpgsqlParameter<double>("latitude", query.Latitude));
        p.Add(new NpgsqlParameter<double>("longitude", query.Longitude));
        p.Add(new NpgsqlParameter<double>("radius", query.Radius));
        p.Add(new NpgsqlParameter<int>("limit", query.Limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var zones = new List<NearbyZone>();
        while (await reader.ReadAsync(cancellationToken))
        {
            zones.Add(new NearbyZone(PostgresZoneStore.ReadZone(reader), reader.GetDouble(reader.FieldCount - 1)));
        }
        return zones;
    }
}
