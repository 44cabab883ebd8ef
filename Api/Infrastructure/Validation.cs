using System.Globalization;
using System.Text.Json;
using Zones.Errors;

namespace Zones.Api.Infrastructure;

/// <summary>Collects the problems of one request; each becomes one <c>details</c> entry of a VALIDATION_ERROR.</summary>
public sealed class ValidationProblems
{
    private readonly List<ErrorDetail> _details = [];

    public IReadOnlyList<ErrorDetail> Details => _details;

    public bool Any => _details.Count > 0;

    public void Add(string field, string reason) => _details.Add(new ErrorDetail(field, reason));

    public void ThrowIfAny()
    {
        if (Any)
        {
            throw ApiErrors.Validation(_details);
        }
    }

    internal static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}

/// <summary>Reads the typed fields of one JSON object, recording a problem for each missing, mistyped or
/// out-of-range field under its path (<c>pings[3].latitude</c>). JSON <c>null</c> counts as absent.
/// Property names match like System.Text.Json's web defaults: exact first, then case-insensitively.</summary>
public readonly struct JsonFields(JsonElement obj, string path, ValidationProblems problems)
{
    public ValidationProblems Problems => problems;

    public string PathOf(string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>Whether the field is present and not null.</summary>
    public bool Has(string name) => TryGet(name, out _);

    public bool TryGet(string name, out JsonElement value)
    {
        if (obj.TryGetProperty(name, out value) || TryGetIgnoringCase(name, out value))
        {
            return value.ValueKind != JsonValueKind.Null;
        }

        return false;
    }

    public string? String(string name, bool required, int minLength, int maxLength, bool trim = true)
    {
        if (!Present(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return Problem<string>(name, "must be a string");
        }

        var text = value.GetString()!;
        if (trim)
        {
            text = text.Trim();
        }

        if (text.Length < minLength || text.Length > maxLength)
        {
            return Problem<string>(name, minLength == maxLength ? $"must be {minLength} characters"
                : minLength <= 0 ? $"must be at most {maxLength} characters"
                : $"must be between {minLength} and {maxLength} characters");
        }

        return text;
    }

    public string? OneOf(string name, bool required, params string[] allowed)
    {
        var text = String(name, required, 0, 64);
        if (text is not null && !allowed.Contains(text, StringComparer.Ordinal))
        {
            return Problem<string>(name, $"must be one of: {string.Join(", ", allowed)}");
        }

        return text;
    }

    public double? Double(string name, bool required, double min, double max)
    {
        if (!Present(name, required, out var value))
        {
            return null;
        }

        // TryGetDouble refuses values that overflow to infinity; NaN/Infinity literals never parse as JSON.
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            return ProblemValue<double>(name, "must be a number");
        }

        if (number < min || number > max)
        {
            return ProblemValue<double>(name, Range(min, max));
        }

        return number;
    }

    public long? Int64(string name, bool required, long min, long max)
    {
        if (!Present(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            return ProblemValue<long>(name, "must be an integer");
        }

        if (number < min || number > max)
        {
            return ProblemValue<long>(name, $"must be between {min} and {max}");
        }

        return number;
    }

    public int? Int32(string name, bool required, int min, int max) =>
        Int64(name, required, min, max) is { } number ? (int)number : null;

    public bool? Boolean(string name, bool required)
    {
        if (!Present(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return ProblemValue<bool>(name, "must be true or false");
        }

        return value.GetBoolean();
    }

    /// <summary>Whether the field is present with the value <c>null</c> (a PATCH clearing it), as opposed to absent.</summary>
    public bool IsNull(string name) =>
        (obj.TryGetProperty(name, out var value) || TryGetIgnoringCase(name, out value)) && value.ValueKind == JsonValueKind.Null;

    public JsonElement? Array(string name, bool required) => Of(name, required, JsonValueKind.Array, "must be an array");

    public JsonElement? Object(string name, bool required) => Of(name, required, JsonValueKind.Object, "must be an object");

    public void Add(string name, string reason) => problems.Add(PathOf(name), reason);

    private JsonElement? Of(string name, bool required, JsonValueKind kind, string reason)
    {
        if (!Present(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != kind)
        {
            Add(name, reason);
            return null;
        }

        return value;
    }

    private bool Present(string name, bool required, out JsonElement value)
    {
        if (TryGet(name, out value))
        {
            return true;
        }

        if (required)
        {
            Add(name, "is required");
        }

        return false;
    }

    private bool TryGetIgnoringCase(string name, out JsonElement value)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private T? Problem<T>(string name, string reason) where T : class
    {
        Add(name, reason);
        return null;
    }

    private T? ProblemValue<T>(string name, string reason) where T : struct
    {
        Add(name, reason);
        return null;
    }

    private static string Range(double min, double max) =>
        max == double.MaxValue ? $"must be at least {ValidationProblems.Format(min)}"
        : $"must be between {ValidationProblems.Format(min)} and {ValidationProblems.Format(max)}";
}
