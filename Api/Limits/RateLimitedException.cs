using System.Globalization;
using Zones.Api.Infrastructure;
using Zones.Errors;

namespace Zones.Api.Limits;

/// <summary>A limit refused the request: 429 RATE_LIMITED with <c>Retry-After</c> over HTTP, a HubException
/// naming the same code and seconds on the hub.</summary>
public sealed class RateLimitedException(string what, TimeSpan retryAfter)
    : Exception($"{what}; retry after {Seconds(retryAfter)} seconds")
{
    /// <summary>Whole seconds, rounded up, at least 1: what <c>Retry-After</c> carries.</summary>
    public int RetryAfterSeconds { get; } = Seconds(retryAfter);

    public ErrorBody Error => new(ErrorCodes.RateLimited, Message);

    public static int Seconds(TimeSpan retryAfter) =>
        (int)Math.Clamp(Math.Ceiling(retryAfter.TotalSeconds), 1, int.MaxValue);

    public void AddRetryAfter(HttpResponse response) =>
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes the 429 answer with its <c>Retry-After</c> header.</summary>
    public static Task WriteAsync(HttpContext context, RateLimitedException rejection)
    {
        rejection.AddRetryAfter(context.Response);
        return ErrorResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, rejection.Error);
    }
}
