namespace Zones.Accounts;

/// <summary>An account as stored: the profile and the bcrypt hash of the password.</summary>
public sealed record AccountRecord(UserProfile Profile, string PasswordHash);

/// <summary>A refresh token as stored: only the SHA-256 of the token, never the token.</summary>
public sealed record RefreshTokenRecord(Guid Id, Guid UserId, string TokenHash, Guid FamilyId, long ExpiresAt, long CreatedAt);

/// <summary>What presenting a refresh token did.</summary>
public enum RefreshRotation
{
    /// <summary>It was live: it is now spent and its successor stored.</summary>
    Rotated,

    /// <summary>It had been rotated already: someone replayed it, so its whole family is now revoked.</summary>
    Reused,

    /// <summary>Unknown, expired, revoked, or its account is deleted.</summary>
    Invalid,
}

/// <summary>The durable home of accounts and sessions (the <c>users</c>, <c>refresh_tokens</c> and
/// <c>access_revocations</c> tables).</summary>
public interface IAccountStore
{
    /// <summary>Inserts the account; throws <see cref="Errors.ConflictException"/> naming the field
    /// (<c>email</c> or <c>username</c>) when either is taken (case-insensitively).</summary>
    Task CreateAsync(AccountRecord account, CancellationToken cancellationToken = default);

    /// <summary>The live account with this email (case-insensitive), else null.</summary>
    Task<AccountRecord?> FindByEmailAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>The live account with this id, else null.</summary>
    Task<UserProfile?> FindByIdAsync(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Applies a profile change to a live account and answers the new profile, else null. A taken
    /// username throws <see cref="Errors.ConflictException"/>.</summary>
    Task<UserProfile?> UpdateProfileAsync(Guid userId, ProfileChanges changes, long now, CancellationToken cancellationToken = default);

    /// <summary>Sets the profile image URL of a live account in one statement and answers the new profile with
    /// the URL it replaced, else null.</summary>
    Task<ProfileImageChange?> SetProfileImageAsync(Guid userId, string? imageUrl, long now, CancellationToken cancellationToken = default);

    /// <summary>Sets the role of a live account.</summary>
    Task SetRoleAsync(Guid userId, string role, CancellationToken cancellationToken = default);

    /// <summary>Soft-deletes a live account, revokes its refresh tokens and voids its access tokens issued
    /// until <paramref name="now"/>, in one statement; false when there was no live account.</summary>
    Task<bool> SoftDeleteAsync(Guid userId, long now, CancellationToken cancellationToken = default);

    /// <summary>Stores a new refresh token.</summary>
    Task InsertRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken = default);

    /// <summary>Spends the live token with this hash and stores <paramref name="next"/> (whose user and family are
    /// taken from the spent one) in its place; a token that was already rotated revokes its family instead.</summary>
    Task<(RefreshRotation Outcome, Guid UserId)> RotateRefreshTokenAsync(
        string presentedHash, RefreshTokenRecord next, long now, CancellationToken cancellationToken = default);

    /// <summary>Revokes the family of the live token with this hash; answers its user, or null when it was not live.</summary>
    Task<Guid?> RevokeRefreshFamilyAsync(string tokenHash, long now, CancellationToken cancellationToken = default);

    /// <summary>Revokes every refresh token of a live account and voids its access tokens issued until
    /// <paramref name="now"/>; false when there was no live account.</summary>
    Task<bool> RevokeAllSessionsAsync(Guid userId, long now, CancellationToken cancellationToken = default);

    /// <summary>The access-token revocations at or after <paramref name="since"/> (Unix ms).</summary>
    Task<IReadOnlyList<AccessRevocation>> RecentAccessRevocationsAsync(long since, CancellationToken cancellationToken = default);
}
