using System.Text.Json;
using System.Text.RegularExpressions;
using Zones.Accounts;
using Zones.Api.Auth;
using Zones.Api.Infrastructure;

namespace Zones.Api.Users;

/// <summary>The PATCH /users/me body, for the OpenAPI document. Absent fields stay as they are; <c>null</c> clears
/// <c>bio</c>, <c>phone</c> or <c>gender</c> (<c>name</c> and <c>username</c> cannot be cleared).</summary>
public sealed record ProfilePatchRequest(string? Name, string? Bio, string? Username, string? Phone, string? Gender);

/// <summary>Validation of PATCH /users/me: <c>name</c> and <c>username</c> as at registration.</summary>
public static partial class UserRequests
{
    public const int MaxBioLength = 500;
    public const int MaxGenderLength = 50;

    public static ProfileChanges ParsePatch(JsonElement body)
    {
        var problems = new ValidationProblems();
        var fields = new JsonFields(body, string.Empty, problems);
        NotClearable(fields, "name");
        NotClearable(fields, "username");
        var name = fields.String("name", required: false, 1, AuthRequests.MaxNameLength);
        var username = AuthRequests.Username(fields, required: false);
        var bio = fields.String("bio", required: false, 0, MaxBioLength);
        var phone = fields.String("phone", required: false, 3, 32);
        if (phone is not null && !PhonePattern().IsMatch(phone))
        {
            fields.Add("phone", "may contain only digits, spaces, '(', ')', '-' and a leading '+'");
        }

        var gender = fields.String("gender", required: false, 1, MaxGenderLength);
        problems.ThrowIfAny();
        return new ProfileChanges(name, username,
            SetBio: bio is not null || fields.IsNull("bio"), bio,
            SetPhone: phone is not null || fields.IsNull("phone"), phone,
            SetGender: gender is not null || fields.IsNull("gender"), gender);
    }

    private static void NotClearable(JsonFields fields, string name)
    {
        if (fields.IsNull(name))
        {
            fields.Add(name, "cannot be null");
        }
    }

    [GeneratedRegex(@"^\+?[0-9 ()\-]{3,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();
}
