namespace Zones.Errors;

/// <summary>One problem with one input field, as the error envelope's <c>details</c> lists it.</summary>
[GenerateSerializer, Immutable, Alias("Zones.ErrorDetail")]
public sealed record ErrorDetail([property: Id(0)] string Field, [property: Id(1)] string Reason);

/// <summary>A domain failure that the Api maps to its error envelope by <see cref="Code"/>.</summary>
[GenerateSerializer, Alias("Zones.ZonesException")]
public class ZonesException : Exception
{
    public ZonesException(string code, string message, IReadOnlyList<ErrorDetail>? details = null) : base(message)
    {
        Code = code;
        Details = details ?? [];
    }

    [Id(0)] public string Code { get; }
    [Id(1)] public IReadOnlyList<ErrorDetail> Details { get; }
}

/// <summary>Input the domain rejects (400 VALIDATION_ERROR).</summary>
[GenerateSerializer, Alias("Zones.DomainValidationException")]
public sealed class DomainValidationException(string message, IReadOnlyList<ErrorDetail>? details = null)
    : ZonesException(ErrorCodes.Validation, message, details);

/// <summary>A uniqueness conflict (409 CONFLICT).</summary>
[GenerateSerializer, Alias("Zones.ConflictException")]
public sealed class ConflictException(string message, IReadOnlyList<ErrorDetail>? details = null)
    : ZonesException(ErrorCodes.Conflict, message, details);

/// <summary>The error codes of API.md.</summary>
public static class ErrorCodes
{
    public const string Validation = "VALIDATION_ERROR";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string NotFound = "NOT_FOUND";
    public const string Conflict = "CONFLICT";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string RateLimited = "RATE_LIMITED";
    public const string Internal = "INTERNAL_ERROR";
    public const string Unavailable = "UNAVAILABLE";
}
