using Npgsql;
using Zones.Activities;
using Zones.Geofencing;

namespace Zones.Silo.Postgres;

/// <summary>Reads presence from <c>user_presence</c>; <see cref="ActivityWriter"/> writes it.</summary>
public sealed class PostgresPresenceStore(NpgsqlDataSource dataSource) : IPresenceStore
{
    /// <summary>A user grain's activation reads this: a database outage is UNAVAILABLE (<see cref="DatabaseOutage.ReadAsync{T}"/>).</summary>
    public Task<UserPresence?> LoadAsync(Guid userId, CancellationToken cancellationToken = default) =>
        DatabaseOutage.ReadAsync(async () =>
        {
            await using var command = dataSource.CreateCommand("SELECT state::text FROM user_presence WHERE user_id = @user");
            command.Parameters.Add(new NpgsqlParameter<Guid>("user", userId));
            return await command.ExecuteScalarAsync(cancellationToken) is string json ? PresenceJson.Deserialize(json) : null;
        });
}
