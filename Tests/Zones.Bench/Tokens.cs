using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Zones.Bench;

/// <summary>
/// Access tokens signed with the deployment's own key (deploy/local/bench.sh passes it from .local/secrets.env):
/// the same HS256 JWT, issuer, audience, subject and lifetime the Api issues at login, so the Api validates them
/// exactly like its own. A reused user then needs no login, whose bcrypt would cost the cluster about a minute
/// of CPU for 500 users before every run.
/// </summary>
public static class Tokens
{
    public static string Mint(string signingKey, string issuer, string audience, Guid userId, string email, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = userId.ToString("D"),
            ["email"] = email,
            ["username"] = email.Split('@')[0].Replace('-', '_'),
            ["role"] = "user",
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + (long)lifetime.TotalSeconds,
        }));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
