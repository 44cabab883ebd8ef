using Microsoft.Extensions.Options;

namespace Zones.Api.Auth;

/// <summary>The <c>Jwt</c> configuration section.</summary>
public sealed class JwtOptions
{
    public const string Section = "Jwt";
    public const int MinimumSigningKeyLength = 32;

    /// <summary>HS256 key; required, at least 32 characters. Never committed: set <c>Jwt__SigningKey</c>.</summary>
    public string SigningKey { get; set; } = string.Empty;

    public string Issuer { get; set; } = "zones";

    public string Audience { get; set; } = "zones-clients";

    public int AccessTokenMinutes { get; set; } = 15;
}

/// <summary>Stops the process at start with a message that names the bad key.</summary>
public sealed class JwtOptionsValidator : IValidateOptions<JwtOptions>
{
    public ValidateOptionsResult Validate(string? name, JwtOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.SigningKey) || options.SigningKey.Length < JwtOptions.MinimumSigningKeyLength)
        {
            failures.Add($"Jwt:SigningKey (env Jwt__SigningKey) is required and must be at least {JwtOptions.MinimumSigningKeyLength} characters.");
        }

        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            failures.Add("Jwt:Issuer must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Jwt:Audience must not be empty.");
        }

        if (options.AccessTokenMinutes is < 1 or > 24 * 60)
        {
            failures.Add("Jwt:AccessTokenMinutes must be between 1 and 1440.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
