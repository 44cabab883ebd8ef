using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Zones.Api.Infrastructure;

/// <summary>Reads query-string parameters with the same problem reporting as <see cref="JsonFields"/>:
/// <c>?limit=abc</c> is a VALIDATION_ERROR naming <c>limit</c>, not a bare 400.</summary>
public readonly struct QueryFields(IQueryCollection query, ValidationProblems problems)
{
    public int Int32(string name, int defaultValue, int min, int max) =>
        Int64(name, min, max) is { } value ? (int)value : defaultValue;

    public long? Int64(string name, long min, long max)
    {
        if (Raw(name) is not { } text)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            problems.Add(name, "must be an integer");
            return null;
        }

        if (value < min || value > max)
        {
            problems.Add(name, $"must be between {min} and {max}");
            return null;
        }

        return value;
    }

    /// <summary>A finite number in range; <c>NaN</c>, <c>Infinity</c> and hex are refused like any non-number.</summary>
    public double? Double(string name, bool required, double min, double max)
    {
        if (Raw(name) is not { } text)
        {
            if (required)
            {
                problems.Add(name, "is required");
            }

            return null;
        }

        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            problems.Add(name, "must be a number");
            return null;
        }

        if (value < min || value > max)
        {
            problems.Add(name, $"must be between {ValidationProblems.Format(min)} and {ValidationProblems.Format(max)}");
            return null;
        }

        return value;
    }

    public Guid? Guid(string name)
    {
        if (Raw(name) is not { } text)
        {
            return null;
        }

        if (!System.Guid.TryParse(text, out var value))
        {
            problems.Add(name, "must be a UUID");
            return null;
        }

        return value;
    }

    public string? OneOf(string name, params string[] allowed)
    {
        if (Raw(name) is not { } text)
        {
            return null;
        }

        if (!allowed.Contains(text, StringComparer.Ordinal))
        {
            problems.Add(name, $"must be one of: {string.Join(", ", allowed)}");
            return null;
        }

        return text;
    }

    public string? String(string name, int maxLength)
    {
        if (Raw(name) is not { } text)
        {
            return null;
        }

        if (text.Length > maxLength)
        {
            problems.Add(name, $"must be at most {maxLength} characters");
            return null;
        }

        return text;
    }

    /// <summary>The single value of a parameter; absent and empty are the same (<c>?cursor=</c>).</summary>
    private string? Raw(string name)
    {
        var values = query[name];
        if (values.Count > 1)
        {
            problems.Add(name, "must be given once");
            return null;
        }

        return string.IsNullOrEmpty(values.ToString()) ? null : values.ToString();
    }
}
