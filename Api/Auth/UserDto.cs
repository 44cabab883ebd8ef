using Zones.Accounts;

namespace Zones.Api.Auth;

/// <summary>API.md's <c>User</c>; times in Unix ms.</summary>
public sealed record UserDto(
    Guid Id,
    string Email,
    string Username,
    string Name,
    string? Bio,
    string? ProfileImageUrl,
    string? Phone,
    string? Gender,
    int Streak,
    string Role,
    long CreatedAt,
    long UpdatedAt)
{
    public static UserDto From(UserProfile user) => new(
        user.Id, user.Email, user.Username, user.Name, user.Bio, user.ProfileImageUrl, user.Phone, user.Gender,
        user.Streak, user.Role, user.CreatedAt, user.UpdatedAt);
}

/// <summary>The answer to register and login.</summary>
public sealed record AuthResponse(UserDto User, string AccessToken, string RefreshToken, int ExpiresIn);
