using Npgsql;
using NpgsqlTypes;
using Zones.Accounts;
using Zones.Errors;

namespace Zones.Silo.Postgres;

/// <summary>Accounts in the <c>users</c> table, sessions in <c>refresh_tokens</c> and <c>access_revocations</c>. Uniqueness of email and username (case-insensitive,
/// among live accounts) is the database's job: the unique indexes decide races between two
/// registrations, and the violated index names the conflicting field.</summary>
public sealed class PostgresAccountStore(NpgsqlDataSource dataSource) : IAccountStore
{
    // The streak is shown only while its run is alive: its last day is today or yesterday (UTC).
    private const string Columns = """
        id, email, username, name, bio, profile_image_url, phone, gender,
        CASE WHEN streak_last_day >= (now() AT TIME ZONE 'UTC')::date - 1 THEN streak ELSE 0 END,
        role, created_at, updated_at, password_hash
        """;

    // One statement revokes every refresh token and voids the access tokens of the accounts in "target"
    // (a CTE the caller defines), so a crash can never leave half of it done.
    private const string EndSessions = """
        revoked AS (
            UPDATE refresh_tokens SET revoked_at = @now, revoked_reason = @reason
            WHERE user_id IN (SELECT id FROM target) AND revoked_at IS NULL),
        voided AS (
            INSERT INTO access_revocations (user_id, revoked_before)
            SELECT id, @now FROM target
            ON CONFLICT (user_id) DO UPDATE
                SET revoked_before = greatest(access_revocations.revoked_before, excluded.revoked_before))
        SELECT count(*) FROM target
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
            throw Taken(e);
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

    public async Task<UserProfile?> UpdateProfileAsync(Guid userId, ProfileChanges changes, long now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE users
            SET name = coalesce(@name, name), username = coalesce(@username, username),
                bio = CASE WHEN @setBio THEN @bio ELSE bio END,
                phone = CASE WHEN @setPhone THEN @phone ELSE phone END,
                gender = CASE WHEN @setGender THEN @gender ELSE gender END,
                updated_at = @now
            WHERE id = @id AND deleted_at IS NULL
            RETURNING {Columns}
            """);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid>("id", userId));
        p.Add(Text("name", changes.Name));
        p.Add(Text("username", changes.Username));
        p.Add(new NpgsqlParameter<bool>("setBio", changes.SetBio));
        p.Add(Text("bio", changes.Bio));
        p.Add(new NpgsqlParameter<bool>("setPhone", changes.SetPhone));
        p.Add(Text("phone", changes.Phone));
        p.Add(new NpgsqlParameter<bool>("setGender", changes.SetGender));
        p.Add(Text("gender", changes.Gender));
        p.Add(new NpgsqlParameter<DateTime>("now", UnixTime.ToUtc(now)));
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? ReadProfile(reader) : null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw Taken(e);
        }
    }

    public async Task<ProfileImageChange?> SetProfileImageAsync(Guid userId, string? imageUrl, long now, CancellationToken cancellationToken = default)
    {
        // The row lock of the sub-select makes "the URL it replaced" exact under concurrent uploads.
        await using var command = dataSource.CreateCommand($"""
            UPDATE users SET profile_image_url = @image, updated_at = @now
            FROM (SELECT id AS target_id, profile_image_url AS previous_url FROM users
                  WHERE id = @id AND deleted_at IS NULL FOR UPDATE) target
            WHERE users.id = target.target_id
            RETURNING {Columns}, target.previous_url
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", userId));
        command.Parameters.Add(Text("image", imageUrl));
        command.Parameters.Add(new NpgsqlParameter<DateTime>("now", UnixTime.ToUtc(now)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ProfileImageChange(ReadProfile(reader), reader.IsDBNull(13) ? null : reader.GetString(13))
            : null;
    }

    public async Task SetRoleAsync(Guid userId, string role, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE users SET role = @role WHERE id = @id AND deleted_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", userId));
        command.Parameters.Add(new NpgsqlParameter<string>("role", role));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<bool> SoftDeleteAsync(Guid userId, long now, CancellationToken cancellationToken = default) =>
        EndSessionsAsync("""
            WITH target AS (
                UPDATE users SET deleted_at = @now, updated_at = @now
                WHERE id = @id AND deleted_at IS NULL
                RETURNING id),
            """, userId, now, "account_deleted", cancellationToken);

    public Task<bool> RevokeAllSessionsAsync(Guid userId, long now, CancellationToken cancellationToken = default) =>
        EndSessionsAsync("""
            WITH target AS (SELECT id FROM users WHERE id = @id AND deleted_at IS NULL),
            """, userId, now, "logout_all", cancellationToken);

    public async Task InsertRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO refresh_tokens (id, user_id, token_hash, family_id, expires_at, created_at)
            VALUES (@id, @user, @hash, @family, @expires, @created)
            """);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid>("id", token.Id));
        p.Add(new NpgsqlParameter<Guid>("user", token.UserId));
        p.Add(new NpgsqlParameter<string>("hash", token.TokenHash));
        p.Add(new NpgsqlParameter<Guid>("family", token.FamilyId));
        p.Add(new NpgsqlParameter<DateTime>("expires", UnixTime.ToUtc(token.ExpiresAt)));
        p.Add(new NpgsqlParameter<DateTime>("created", UnixTime.ToUtc(token.CreatedAt)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<(RefreshRotation Outcome, Guid UserId)> RotateRefreshTokenAsync(
        string presentedHash, RefreshTokenRecord next, long now, CancellationToken cancellationToken = default)
    {
        // Spending the token is a conditional UPDATE, so of two requests racing with one token exactly one
        // rotates it; the other then finds it rotated and revokes the family, as a replay must.
        await using (var rotate = dataSource.CreateCommand("""
            WITH spent AS (
                UPDATE refresh_tokens t SET revoked_at = @now, revoked_reason = 'rotated', replaced_by = @next
                FROM users u
                WHERE t.token_hash = @hash AND t.revoked_at IS NULL AND t.expires_at > @now
                  AND u.id = t.user_id AND u.deleted_at IS NULL
                RETURNING t.user_id, t.family_id)
            INSERT INTO refresh_tokens (id, user_id, token_hash, family_id, expires_at, created_at)
            SELECT @next, user_id, @nextHash, family_id, @expires, @now FROM spent
            RETURNING user_id
            """))
        {
            var p = rotate.Parameters;
            p.Add(new NpgsqlParameter<string>("hash", presentedHash));
            p.Add(new NpgsqlParameter<Guid>("next", next.Id));
            p.Add(new NpgsqlParameter<string>("nextHash", next.TokenHash));
            p.Add(new NpgsqlParameter<DateTime>("expires", UnixTime.ToUtc(next.ExpiresAt)));
            p.Add(new NpgsqlParameter<DateTime>("now", UnixTime.ToUtc(now)));
            if (await rotate.ExecuteScalarAsync(cancellationToken) is Guid rotatedFor)
            {
                return (RefreshRotation.Rotated, rotatedFor);
            }
        }

        await using var replay = dataSource.CreateCommand("""
            WITH replayed AS (
                SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = @hash AND revoked_reason = 'rotated'),
            revoked AS (
                UPDATE refresh_tokens t SET revoked_at = @now, revoked_reason = 'reuse'
                FROM replayed r
                WHERE t.family_id = r.family_id AND t.revoked_at IS NULL)
            SELECT user_id FROM replayed
            """);
        replay.Parameters.Add(new NpgsqlParameter<string>("hash", presentedHash));
        replay.Parameters.Add(new NpgsqlParameter<DateTime>("now", UnixTime.ToUtc(now)));
        return await replay.ExecuteScalarAsync(cancellationToken) is Guid replayedBy
            ? (RefreshRotation.Reused, replayedBy)
            : (RefreshRotation.Invalid, Guid.Empty);
    }

    public async Task<Guid?> RevokeRefreshFamilyAsync(string tokenHash, long now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH presented AS (
                SELECT user_id, family_id FROM refresh_tokens
                WHERE token_hash = @hash AND revoked_at IS NULL AND expires_at > @now),
            revoked AS (
                UPDATE refresh_tokens t SET revoked_at = @now, revoked_reason = 'logout'
                FROM presented p
                WHERE t.family_id = p.family_id AND t.revoked_at IS NULL)
            SELECT user_id FROM presented
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("hash", tokenHash));
        command.Parameters.Add(new NpgsqlParameter<DateTime>("now", UnixTime.ToUtc(now)));
        return await command.ExecuteScalarAsync(cancellationToken) is Guid userId ? userId : null;
    }

    public async Task<IReadOnlyList<AccessRevocation>> RecentAccessRevocationsAsync(long since, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT user_id, revoked_before FROM access_revocations WHERE revoked_before >= @since");
        command.Parameters.Add(new NpgsqlParameter<DateTime>("since", UnixTime.ToUtc(since)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var revocations = new List<AccessRevocation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            revocations.Add(new AccessRevocation(reader.GetGuid(0), UnixTime.FromUtc(reader.GetDateTime(1))));
        }
        return revocations;
    }

    private async Task<bool> EndSessionsAsync(string target, Guid userId, long now, string reason, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(target + EndSessions);
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", userId));
        command.Parameters.Add(new NpgsqlParameter<DateTime>("now", UnixTime.ToUtc(now)));
        command.Parameters.Add(new NpgsqlParameter<string>("reason", reason));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>The violated unique index names the field of the CONFLICT answer.</summary>
    private static ConflictException Taken(PostgresException e)
    {
        var field = e.ConstraintName switch
        {
            "users_email_unique" => "email",
            "users_username_unique" => "username",
            _ => "id",
        };
        return new ConflictException($"That {field} is already taken.", [new ErrorDetail(field, "is already taken")]);
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
