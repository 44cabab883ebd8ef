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

/// <summary>Accounts: registration and credential checks. A stateless worker: any silo, many at once.</summary>
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
}
