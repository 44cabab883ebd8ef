using System.Text.Json;
using System.Text.RegularExpressions;
using Zones.Accounts;
using Zones.Api.Infrastructure;

namespace Zones.Api.Auth;

/// <summary>The register body, for the OpenAPI document; bodies are read by <see cref="AuthRequests"/>.</summary>
public sealed record RegisterRequest(string Email, string Password, string Username, string Name);

/// <summary>The login body, for the OpenAPI document.</summary>
public sealed record LoginRequest(string Email, string Password);

/// <summary>Validation of the auth bodies (API.md: password 8-128, username 3-30 of [A-Za-z0-9_.]).</summary>
public static partial class AuthRequests
{
    public static Registration ParseRegistration(JsonElement body)
    {
        var problems = new ValidationProblems();
        var fields = new JsonFields(body, string.Empty, problems);
        var email = Email(fields);
        var password = fields.String("password", required: true, 8, 128, trim: false);
        var username = fields.String("username", required: true, 3, 30);
        if (username is not null && !UsernamePattern().IsMatch(username))
        {
            fields.Add("username", "may contain only letters, digits, '_' and '.'");
        }

        var name = fields.String("name", required: true, 1, 100);
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
