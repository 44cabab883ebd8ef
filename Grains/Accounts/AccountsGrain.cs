using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Zones.Accounts;

/// <summary>Registration and credential checks. bcrypt is CPU-bound, so this is a stateless worker:
/// Orleans runs as many activations per silo as there are cores and callers.</summary>
[StatelessWorker]
public sealed partial class AccountsGrain(IAccountStore store, TimeProvider clock, ILogger<AccountsGrain> logger)
    : Grain, IAccountsGrain
{
    /// <summary>bcrypt work factor: 2^11 rounds, about 100 ms on one core.</summary>
    public const int BcryptCost = 11;

    // Verifying against this when the email is unknown keeps the answer time the same as for a wrong
    // password, so timing does not reveal which emails have accounts.
    static readonly string UnknownUserHash = BCrypt.Net.BCrypt.HashPassword("zones-unknown-user", BcryptCost);

    public async Task<UserProfile> Register(Registration registration)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var profile = new UserProfile(Guid.CreateVersion7(), registration.Email.Trim(), registration.Username.Trim(),
            registration.Name.Trim(), Bio: null, ProfileImageUrl: null, Phone: null, Gender: null, Streak: 0,
            Role: "user", CreatedAt: now, UpdatedAt: now);
        var hash = BCrypt.Net.BCrypt.HashPassword(registration.Password, BcryptCost);
        await store.CreateAsync(new AccountRecord(profile, hash));
        LogRegistered(profile.Id);
        return profile;
    }

    public async Task<UserProfile?> Login(string email, string password)
    {
        var account = await store.FindByEmailAsync(email.Trim());
        var valid = BCrypt.Net.BCrypt.Verify(password, account?.PasswordHash ?? UnknownUserHash);
        return valid && account is not null ? account.Profile : null;
    }

    public Task<UserProfile?> GetUser(Guid userId) => store.FindByIdAsync(userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} registered")]
    partial void LogRegistered(Guid userId);
}
