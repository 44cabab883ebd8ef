using Npgsql;
using NpgsqlTypes;
using Zones.Accounts;
using Zones.Errors;

namespace Zones.Silo.Postgres;

/// <summary>Accounts in the <c>users</c> table. Uniqueness of email and username (case-insensitive,
/// among live accounts) is the database's job: the unique indexes decide races between two
/// registrations, and the violated index names the conflicting field.</summary>
public sealed class PostgresAccountStore(NpgsqlDataSource dataSource) : IAccountStore
{
    private const string Columns = """
        id, email, username, name, bio, profile_image_url, phone, gender, streak, role, created_at, updated_at, password_hash
        """;

    public async Task CreateAsync(AccountRecord account, CancellationToken cancellationToken = default)
    {
        var profile = account.Profile;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO users (id, email, username, name, bio, profile_image_url, phone, gender, streak, role,
                               password_hash, created_at, updated_at)
            VALUES (@id, @email, @username, @name, @bio, @image, @phone, @gender, @streak, @role,
                    @hash, @created, @updated)
            """);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid>("id", profile.Id));
        p.Add(new NpgsqlParameter<string>("email", profile.Email));
        p.Add(new NpgsqlParameter<string>("username", profile.Username));
        p.Add(new NpgsqlParameter<string>("name", profile.Name));
        p.Add(Text("bio", profile.Bio));
        p.Add(Text("image", profile.ProfileImageUrl));
        p.Add(Text("phone", profile.Phone));
        p.Add(Text("gender", profile.Gender));
        p.Add(new NpgsqlParameter<int>("streak", profile.Streak));
        p.Add(new NpgsqlParameter<string>("role", profile.Role));
        p.Add(new NpgsqlParameter<string>("hash", account.PasswordHash));
        p.Add(new NpgsqlParameter<DateTime>("created", UnixTime.ToUtc(profile.CreatedAt)));
        p.Add(new NpgsqlParameter<DateTime>("updated", UnixTime.ToUtc(profile.UpdatedAt)));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            var field = e.ConstraintName switch
            {
                "users_email_unique" => "email",
                "users_username_unique" => "username",
                _ => "id",
            };
            throw new ConflictException($"That {field} is already taken.", [new ErrorDetail(field, "is already taken")]);
        }
    }

    public async Task<AccountRecord?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM users WHERE lower(email) = lower(@email) AND deleted_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter<string>("email", email));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new AccountRecord(ReadProfile(reader), reader.GetString(12)) : null;
    }

    public async Task<UserProfile?> FindByIdAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM users WHERE id = @id AND deleted_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadProfile(reader) : null;
    }

    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    private static UserProfile ReadProfile(NpgsqlDataReader r)
    {
        string? Nullable(int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
        return new UserProfile(
            Id: r.GetGuid(0),
            Email: r.GetString(1),
            Username: r.GetString(2),
            Name: r.GetString(3),
            Bio: Nullable(4),
            ProfileImageUrl: Nullable(5),
            Phone: Nullable(6),
            Gender: Nullable(7),
            Streak: r.GetInt32(8),
            Role: r.GetString(9),
            CreatedAt: UnixTime.FromUtc(r.GetDateTime(10)),
            UpdatedAt: UnixTime.FromUtc(r.GetDateTime(11)));
    }
}
