using Npgsql;
using Zones.Activities;
using Zones.Geofencing;

namespace Zones.Silo.Postgres;

/// <summary>Reads presence from <c>user_presence</c>; <see cref="ActivityWriter"/> writes it.</summary>
public sealed class PostgresPresenceStore(NpgsqlDataSource dataSource) : IPresenceStore
{
    public async Task<UserPresence?> LoadAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT state::text FROM user_presence WHERE user_id = @user");
        command.Parameters.Add(new NpgsqlParameter<Guid>("user", userId));
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? PresenceJson.Deserialize(json) : null;
    }
}
