using System.Text;

namespace Zones.Accounts;

/// <summary>The password rules of API.md, and bcrypt's own limit: it reads only the first 72 bytes of a password,
/// so a longer one would be silently cut. Such passwords are refused instead (see README, "Passwords").</summary>
public static class PasswordRules
{
    public const int MinLength = 8;
    public const int MaxLength = 128;
    public const int MaxUtf8Bytes = 72;

    /// <summary>Why the password cannot be used, or null when it can.</summary>
    public static string? Problem(string password)
    {
        if (password.Length < MinLength || password.Length > MaxLength)
        {
            return $"must be between {MinLength} and {MaxLength} characters";
        }

        return Encoding.UTF8.GetByteCount(password) > MaxUtf8Bytes
            ? $"must be at most {MaxUtf8Bytes} bytes in UTF-8 (bcrypt reads no further; characters outside ASCII take 2 to 4 bytes)"
            : null;
    }
}
