namespace Zones.Accounts;

/// <summary>An account as stored: the profile and the bcrypt hash of the password.</summary>
public sealed record AccountRecord(UserProfile Profile, string PasswordHash);

/// <summary>The durable home of accounts (the <c>users</c> table).</summary>
public interface IAccountStore
{
    /// <summary>Inserts the account; throws <see cref="Errors.ConflictException"/> naming the field
    /// (<c>email</c> or <c>username</c>) when either is taken (case-insensitively).</summary>
    Task CreateAsync(AccountRecord account, CancellationToken cancellationToken = default);

    /// <summary>The live account with this email (case-insensitive), else null.</summary>
    Task<AccountRecord?> FindByEmailAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>The live account with this id, else null.</summary>
    Task<UserProfile?> FindByIdAsync(Guid userId, CancellationToken cancellationToken = default);
}
