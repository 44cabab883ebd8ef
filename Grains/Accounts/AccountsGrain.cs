using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Zones.Errors;

namespace Zones.Accounts;

/// <summary>Registration, credential checks and sessions. bcrypt is CPU-bound, so this is a stateless worker:
/// Orleans runs as many activations per silo as there are cores and callers.</summary>
[StatelessWorker]
public sealed partial class AccountsGrain(
    IAccountStore store, TimeProvider clock, IOptions<AccountsOptions> options, ILogger<AccountsGrain> logger)
    : Grain, IAccountsGrain
{
    /// <summary>bcrypt work factor: 2^11 rounds, about 100 ms on one core.</summary>
    public const int BcryptCost = 11;

    public const string UserRole = "user";
    public const string AdminRole = "admin";

    // Verifying against this when the email is unknown keeps the answer time the same as for a wrong
    // password, so timing does not reveal which emails have accounts.
    static readonly string UnknownUserHash = BCrypt.Net.BCrypt.HashPassword("zones-unknown-user", BcryptCost);

    public async Task<UserProfile> Register(Registration registration)
    {
        // The edge checks this too; bcrypt must never see a password it would cut short.
        if (PasswordRules.Problem(registration.Password) is { } problem)
        {
            throw new DomainValidationException("The request is not valid", [new ErrorDetail("password", problem)]);
        }

        var now = Now();
        var email = registration.Email.Trim();
        var profile = new UserProfile(Guid.CreateVersion7(), email, registration.Username.Trim(),
            registration.Name.Trim(), Bio: null, ProfileImageUrl: null, Phone: null, Gender: null, Streak: 0,
            Role: IsAdminEmail(email) ? AdminRole : UserRole, CreatedAt: now, UpdatedAt: now);
        var hash = BCrypt.Net.BCrypt.HashPassword(registration.Password, BcryptCost);
        await store.CreateAsync(new AccountRecord(profile, hash));
        LogRegistered(profile.Id, profile.Role);
        return profile;
    }

    public async Task<UserProfile?> Login(string email, string password)
    {
        var account = await store.FindByEmailAsync(email.Trim());
        var valid = BCrypt.Net.BCrypt.Verify(password, account?.PasswordHash ?? UnknownUserHash);
        return valid && account is not null ? await ApplyAdminList(account.Profile) : null;
    }

    public Task<UserProfile?> GetUser(Guid userId) => store.FindByIdAsync(userId);

    public async Task<RefreshGrant> StartSession(Guid userId)
    {
        var (token, record) = NewRefreshToken(userId, familyId: Guid.CreateVersion7());
        await store.InsertRefreshTokenAsync(record);
        return new RefreshGrant(token, record.ExpiresAt);
    }

    public async Task<Session?> Refresh(string refreshToken)
    {
        // User and family of the successor are taken from the spent token by the store.
        var (token, next) = NewRefreshToken(Guid.Empty, Guid.Empty);
        var (outcome, userId) = await store.RotateRefreshTokenAsync(HashToken(refreshToken), next, Now());
        if (outcome == RefreshRotation.Reused)
        {
            LogRefreshReuse(userId);
        }

        if (outcome != RefreshRotation.Rotated || await store.FindByIdAsync(userId) is not { } user)
        {
            return null;
        }

        return new Session(await ApplyAdminList(user), new RefreshGrant(token, next.ExpiresAt));
    }

    public async Task<AccessRevocation?> Logout(string refreshToken, bool allDevices)
    {
        var now = Now();
        if (await store.RevokeRefreshFamilyAsync(HashToken(refreshToken), now) is not { } userId || !allDevices)
        {
            return null;
        }

        return await store.RevokeAllSessionsAsync(userId, now) ? new AccessRevocation(userId, now) : null;
    }

    public Task<UserProfile?> UpdateProfile(Guid userId, ProfileChanges changes) =>
        store.UpdateProfileAsync(userId, changes, Now());

    public Task<ProfileImageChange?> SetProfileImage(Guid userId, string? imageUrl) =>
        store.SetProfileImageAsync(userId, imageUrl, Now());

    public async Task<AccessRevocation?> DeleteAccount(Guid userId)
    {
        var now = Now();
        if (!await store.SoftDeleteAsync(userId, now))
        {
            return null;
        }

        LogDeleted(userId);
        return new AccessRevocation(userId, now);
    }

    public Task<IReadOnlyList<AccessRevocation>> RecentRevocations(long since) => store.RecentAccessRevocationsAsync(since);

    /// <summary>The stored form of a refresh token: 256 random bits need no salt or slow hash, SHA-256 suffices.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private (string Token, RefreshTokenRecord Record) NewRefreshToken(Guid userId, Guid familyId)
    {
        var token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = Now();
        var expires = now + (long)TimeSpan.FromDays(options.Value.RefreshTokenDays).TotalMilliseconds;
        return (token, new RefreshTokenRecord(Guid.CreateVersion7(), userId, HashToken(token), familyId, expires, now));
    }

    private async Task<UserProfile> ApplyAdminList(UserProfile user)
    {
        if (user.Role == AdminRole || !IsAdminEmail(user.Email))
        {
            return user;
        }

        await store.SetRoleAsync(user.Id, AdminRole);
        LogPromoted(user.Id);
        return user with { Role = AdminRole };
    }

    private bool IsAdminEmail(string email) =>
        options.Value.AdminEmails.Any(admin => string.Equals(admin.Trim(), email, StringComparison.OrdinalIgnoreCase));

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} registered as {Role}")]
    partial void LogRegistered(Guid userId, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} made admin by Auth:AdminEmails")]
    partial void LogPromoted(Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A rotated refresh token of user {UserId} was presented again: its family is revoked")]
    partial void LogRefreshReuse(Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} deleted their account")]
    partial void LogDeleted(Guid userId);
}
