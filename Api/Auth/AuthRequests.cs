using System.Text.Json;
using System.Text.RegularExpressions;
using Zones.Accounts;
using Zones.Api.Infrastructure;

namespace Zones.Api.Auth;

/// <summary>The register body, for the OpenAPI document; bodies are read by <see cref="AuthRequests"/>.</summary>
public sealed record RegisterRequest(string Email, string Password, string Username, string Name);

/// <summary>The login body, for the OpenAPI document.</summary>
public sealed record LoginRequest(string Email, string Password);

/// <summary>The refresh body, for the OpenAPI document.</summary>
public sealed record RefreshRequest(string RefreshToken);

/// <summary>The logout body, for the OpenAPI document. <c>allDevices</c> (optional, default false) ends every session
/// of the user and voids every access token issued so far.</summary>
public sealed record LogoutRequest(string RefreshToken, bool? AllDevices);

/// <summary>Validation of the auth bodies (API.md: password 8-128, username 3-30 of [A-Za-z0-9_.]).</summary>
public static partial class AuthRequests
{
    public const int MaxNameLength = 100;

    /// <summary>A username: 3-30 of [A-Za-z0-9_.], at registration and in a profile change.</summary>
    public static string? Username(JsonFields fields, bool required)
    {
        var username = fields.String("username", required, 3, 30);
        if (username is not null && !UsernamePattern().IsMatch(username))
        {
            fields.Add("username", "may contain only letters, digits, '_' and '.'");
            return null;
        }

        return username;
    }

    public static Registration ParseRegistration(JsonElement body)
    {
        var problems = new ValidationProblems();
        var fields = new JsonFields(body, string.Empty, problems);
        var email = Email(fields);
        var password = Password(fields);
        var username = Username(fields, required: true);
        var name = fields.String("name", required: true, 1, MaxNameLength);
        problems.ThrowIfAny();
        return new Registration(email!, password!, username!, name!);
    }

    public static (string Email, string Password) ParseLogin(JsonElement body)
    {
        var problems = new ValidationProblems();
        var fields = new JsonFields(body, string.Empty, problems);
        var email = fields.String("email", required: true, 1, 254);
        // No length rule here: a wrong password is a 401 like any other, not a hint about the rules.
        var password = fields.String("password", required: true, 1, 1024, trim: false);
        problems.ThrowIfAny();
        return (NormalizeEmail(email!), password!);
    }

    public static string ParseRefresh(JsonElement body)
    {
        var problems = new ValidationProblems();
        var token = RefreshToken(new JsonFields(body, string.Empty, problems));
        problems.ThrowIfAny();
        return token!;
    }

    public static (string RefreshToken, bool AllDevices) ParseLogout(JsonElement body)
    {
        var problems = new ValidationProblems();
        var fields = new JsonFields(body, string.Empty, problems);
        var token = RefreshToken(fields);
        var allDevices = fields.Boolean("allDevices", required: false);
        problems.ThrowIfAny();
        return (token!, allDevices ?? false);
    }

    // Our tokens are 43 characters; anything far longer is not one, and need not be hashed to find out.
    private static string? RefreshToken(JsonFields fields) => fields.String("refreshToken", required: true, 1, 512, trim: false);

    private static string? Password(JsonFields fields)
    {
        var password = fields.String("password", required: true, PasswordRules.MinLength, PasswordRules.MaxLength, trim: false);
        if (password is not null && PasswordRules.Problem(password) is { } problem)
        {
            fields.Add("password", problem);
            return null;
        }

        return password;
    }

    /// <summary>Emails are compared case-insensitively in practice; storing them lower-cased makes
    /// "Ann@x.io" and "ann@x.io" one account.</summary>
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    private static string? Email(JsonFields fields)
    {
        var email = fields.String("email", required: true, 3, 254);
        if (email is null)
        {
            return null;
        }

        if (!EmailPattern().IsMatch(email))
        {
            fields.Add("email", "must be an email address");
            return null;
        }

        return NormalizeEmail(email);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.]{3,30}$", RegexOptions.CultureInvariant)]
    private static partial Regex UsernamePattern();

    // Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is not ours to judge.
    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();
}
