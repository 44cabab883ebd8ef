using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Zones.Api.Images;

/// <summary>Names of stored images: 128 random bits in hex plus the format's extension. A new upload always
/// gets a new key, so a URL never changes content (cacheable forever) and is not guessable.</summary>
public static partial class ImageKeys
{
    public const string Extension = ".webp";
    public const string ContentType = "image/webp";
    public const string RoutePrefix = "/api/v1/images";

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + Extension;

    /// <summary>Only keys this class makes: no separators, dots or other path tricks reach a store.</summary>
    public static bool IsValid(string? key) => key is not null && KeyPattern().IsMatch(key);

    /// <summary>The key at the end of an image URL this Api handed out, whatever its base; null for anything else.</summary>
    public static string? FromUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        var slash = url.LastIndexOf('/');
        var key = url[(slash + 1)..];
        return IsValid(key) && url.AsSpan(0, Math.Max(slash, 0)).EndsWith(RoutePrefix, StringComparison.Ordinal) ? key : null;
    }

    [GeneratedRegex("^[0-9a-f]{32}\\.webp$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
