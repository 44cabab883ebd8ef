using Microsoft.AspNetCore.Http;
using Orleans.Runtime;
using Zones.Errors;

namespace Zones.Api.Infrastructure;

/// <summary>The one place where failures become the error envelope: a status code and an <see cref="ErrorBody"/>.
/// The exception handler, the status-code pages, the JWT challenge and the hub all go through it.</summary>
public static class ApiErrors
{
    /// <summary>Not in API.md's list, which is silent on 405; a client expects a code that names it.</summary>
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";

    /// <summary>For the rare 4xx that API.md does not name (408, 431, ...).</summary>
    public const string BadRequest = "BAD_REQUEST";

    /// <summary>The most <c>details</c> one error lists; a message says how many there were in all. A hostile body
    /// (1,000 bad pings) would otherwise get an answer thousands of entries long.</summary>
    public const int MaxDetails = 20;

    public static ZonesException Validation(IReadOnlyList<ErrorDetail> details) =>
        new DomainValidationException("The request is not valid", details);

    public static ZonesException Validation(string field, string reason) => Validation([new ErrorDetail(field, reason)]);

    public static ZonesException NotFound(string message) => new(ErrorCodes.NotFound, message);

    public static ZonesException Unauthorized(string message) => new(ErrorCodes.Unauthorized, message);

    public static ZonesException PayloadTooLarge(long limitBytes) =>
        new(ErrorCodes.PayloadTooLarge, $"The request body is larger than {limitBytes} bytes");

    public static ZonesException UnsupportedMediaType() =>
        new(ErrorCodes.UnsupportedMediaType, "The request body must be JSON (Content-Type: application/json)");

    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.Validation => StatusCodes.Status400BadRequest,
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        ErrorCodes.Conflict => StatusCodes.Status409Conflict,
        ErrorCodes.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCodes.Unavailable => StatusCodes.Status503ServiceUnavailable,
        BadRequest => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The error for a status that some middleware set without a body (unknown route, 405, ...).</summary>
    public static ErrorBody ForStatus(int status, string? method = null, string? path = null) => status switch
    {
        StatusCodes.Status400BadRequest => new(ErrorCodes.Validation, "The request is not valid"),
        StatusCodes.Status401Unauthorized => new(ErrorCodes.Unauthorized, "Authentication is required"),
        StatusCodes.Status403Forbidden => new(ErrorCodes.Forbidden, "You are not allowed to do this"),
        StatusCodes.Status404NotFound => new(ErrorCodes.NotFound, $"No resource at {path}"),
        StatusCodes.Status405MethodNotAllowed => new(MethodNotAllowed, $"{method} is not allowed on {path}"),
        StatusCodes.Status409Conflict => new(ErrorCodes.Conflict, "The request conflicts with the current state"),
        StatusCodes.Status413PayloadTooLarge => new(ErrorCodes.PayloadTooLarge, "The request body is too large"),
        StatusCodes.Status415UnsupportedMediaType => new(ErrorCodes.UnsupportedMediaType, "The request's content type is not supported"),
        StatusCodes.Status429TooManyRequests => new(ErrorCodes.RateLimited, "Too many requests"),
        StatusCodes.Status503ServiceUnavailable => new(ErrorCodes.Unavailable, "The service is unavailable; retry shortly"),
        >= 500 => new(ErrorCodes.Internal, "An unexpected error occurred"),
        _ => new(BadRequest, $"The request failed with status {status}"),
    };

    /// <summary>Maps any exception to a status and an error. Only <see cref="ZonesException"/> messages
    /// reach the client as they are; anything unexpected is INTERNAL_ERROR, with its message only in Development.</summary>
    public static (int Status, ErrorBody Error) FromException(Exception exception, bool isDevelopment)
    {
        switch (exception)
        {
            case ZonesException zones:
                return (StatusFor(zones.Code), Capped(zones));
            case Limits.RateLimitedException limited:
                return (StatusCodes.Status429TooManyRequests, limited.Error);
            case BadHttpRequestException bad:
                var body = ForStatus(bad.StatusCode);
                return (bad.StatusCode, isDevelopment ? body with { Message = bad.Message } : body);
        }

        if (IsClusterUnavailable(exception))
        {
            return (StatusCodes.Status503ServiceUnavailable, ForStatus(StatusCodes.Status503ServiceUnavailable));
        }

        var internalError = new ErrorBody(ErrorCodes.Internal,
            isDevelopment ? $"{exception.GetType().Name}: {exception.Message}" : "An unexpected error occurred");
        return (StatusCodes.Status500InternalServerError, internalError);
    }

    private static ErrorBody Capped(ZonesException zones) => zones.Details.Count switch
    {
        0 => new ErrorBody(zones.Code, zones.Message),
        <= MaxDetails => new ErrorBody(zones.Code, zones.Message, zones.Details),
        var count => new ErrorBody(zones.Code, $"{zones.Message} ({count} problems; the first {MaxDetails} are listed)",
            zones.Details.Take(MaxDetails).ToList()),
    };

    /// <summary>Whether the call failed because the silo it went to (or through) is gone or unreachable: it never
    /// ran, or ran on a silo that is now dead, and the same call may succeed on another silo in a moment.</summary>
    public static bool IsSiloGone(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is SiloUnavailableException or OrleansMessageRejectionException or ClientNotAvailableException
                or Orleans.Runtime.Messaging.ConnectionFailedException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the failure says the cluster cannot answer now (a silo died, no gateway, a call timed
    /// out, the database is unreachable from a silo), as opposed to a bug: the client should retry, so it is
    /// 503, not 500. Nothing is half-written in those cases: a grain whose commit failed reloads its state.</summary>
    public static bool IsClusterUnavailable(Exception exception)
    {
        if (IsSiloGone(exception))
        {
            return true;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is TimeoutException or OrleansLifecycleCanceledException
                or System.Data.Common.DbException { IsTransient: true } or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
