namespace Zones.Accounts;

/// <summary>A registered user's public profile.</summary>
[GenerateSerializer, Immutable, Alias("Zones.UserProfile")]
public sealed record UserProfile(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Email,
    [property: Id(2)] string Username,
    [property: Id(3)] string Name,
    [property: Id(4)] string? Bio,
    [property: Id(5)] string? ProfileImageUrl,
    [property: Id(6)] string? Phone,
    [property: Id(7)] string? Gender,
    [property: Id(8)] int Streak,
    [property: Id(9)] string Role,
    [property: Id(10)] long CreatedAt,
    [property: Id(11)] long UpdatedAt);

/// <summary>A registration, validated at the edge.</summary>
[GenerateSerializer, Immutable, Alias("Zones.Registration")]
public sealed record Registration(
    [property: Id(0)] string Email,
    [property: Id(1)] string Password,
    [property: Id(2)] string Username,
    [property: Id(3)] string Name);

/// <summary>A refresh token as handed to a client: the opaque token (stored only as a hash) and when it expires (Unix ms).</summary>
[GenerateSerializer, Immutable, Alias("Zones.RefreshGrant")]
public sealed record RefreshGrant([property: Id(0)] string Token, [property: Id(1)] long ExpiresAt);

/// <summary>A signed-in session: whose it is (with the current role) and its refresh token.</summary>
[GenerateSerializer, Immutable, Alias("Zones.Session")]
public sealed record Session([property: Id(0)] UserProfile User, [property: Id(1)] RefreshGrant Refresh);

/// <summary>"Every access token of <see cref="UserId"/> issued before <see cref="RevokedBefore"/> (Unix ms) is void."</summary>
[GenerateSerializer, Immutable, Alias("Zones.AccessRevocation")]
public sealed record AccessRevocation([property: Id(0)] Guid UserId, [property: Id(1)] long RevokedBefore);

/// <summary>A PATCH of the profile, validated at the edge. Null <see cref="Name"/> / <see cref="Username"/> leave
/// them as they are; for the optional fields a <c>Set...</c> flag says whether to write the value (null clears it).</summary>
[GenerateSerializer, Immutable, Alias("Zones.ProfileChanges")]
public sealed record ProfileChanges(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? Username,
    [property: Id(2)] bool SetBio,
    [property: Id(3)] string? Bio,
    [property: Id(4)] bool SetPhone,
    [property: Id(5)] string? Phone,
    [property: Id(6)] bool SetGender,
    [property: Id(7)] string? Gender);

/// <summary>A profile whose image was just set, and the image URL it had before (null when it had none).</summary>
[GenerateSerializer, Immutable, Alias("Zones.ProfileImageChange")]
public sealed record ProfileImageChange([property: Id(0)] UserProfile User, [property: Id(1)] string? PreviousImageUrl);

/// <summary>Accounts: registration, credential checks, sessions and profiles. A stateless worker: any silo, many at once.</summary>
[Alias("Zones.IAccountsGrain")]
public interface IAccountsGrain : IGrainWithIntegerKey
{
    /// <summary>Creates the account; throws <see cref="Errors.ConflictException"/> when the email or username is taken.</summary>
    [Alias("Register")]
    Task<UserProfile> Register(Registration registration);

    /// <summary>The account when the email and password match a live account, else null.</summary>
    [Alias("Login")]
    Task<UserProfile?> Login(string email, string password);

    /// <summary>The live account with this id, else null.</summary>
    [Alias("GetUser")]
    Task<UserProfile?> GetUser(Guid userId);

    /// <summary>Starts a session (a new refresh-token family) for a user who just registered or logged in.</summary>
    [Alias("StartSession")]
    Task<RefreshGrant> StartSession(Guid userId);

    /// <summary>Redeems a refresh token: a new one of the same family replaces it. Null when the token is unknown,
    /// expired, revoked or its account deleted; a token that was already rotated also revokes its whole family.</summary>
    [Alias("Refresh")]
    Task<Session?> Refresh(string refreshToken);

    /// <summary>Revokes the token's family (one device), or with <paramref name="allDevices"/> every session of its
    /// user and every access token issued so far (then the answer is that revocation; null when nothing was live).</summary>
    [Alias("Logout")]
    Task<AccessRevocation?> Logout(string refreshToken, bool allDevices);

    /// <summary>Applies a profile change; null when there is no live account. A taken username is a conflict.</summary>
    [Alias("UpdateProfile")]
    Task<UserProfile?> UpdateProfile(Guid userId, ProfileChanges changes);

    /// <summary>Sets (or with null clears) the profile image URL of a live account; null when there is none.
    /// The answer carries the URL it replaced, so the caller can remove the old image.</summary>
    [Alias("SetProfileImage")]
    Task<ProfileImageChange?> SetProfileImage(Guid userId, string? imageUrl);

    /// <summary>Soft-deletes the account and ends all its sessions; null when there was no live account.
    /// Its zones and history stay for retention.</summary>
    [Alias("DeleteAccount")]
    Task<AccessRevocation?> DeleteAccount(Guid userId);

    /// <summary>Access-token revocations made at or after <paramref name="since"/> (Unix ms), for Api nodes to hold.</summary>
    [Alias("RecentRevocations")]
    Task<IReadOnlyList<AccessRevocation>> RecentRevocations(long since);
}
