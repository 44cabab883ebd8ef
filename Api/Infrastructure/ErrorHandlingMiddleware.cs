using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zones.Errors;

namespace Zones.Api.Infrastructure;

/// <summary>The exception handler: turns any exception below it into the error envelope
/// (domain errors by their code, cluster outages as 503, the rest as 500).</summary>
internal sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger, IHostEnvironment environment)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            var (status, error) = ApiErrors.FromException(exception, environment.IsDevelopment());
            Log(exception, status, error.Code);
            context.Response.Clear();
            (exception as Limits.RateLimitedException)?.AddRetryAfter(context.Response);
            await ErrorResponses.WriteAsync(context, status, error);
        }
    }

    private void Log(Exception exception, int status, string code)
    {
        if (exception is ZonesException || status < 500)
        {
            RequestRejected(logger, status, code, exception.Message);
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            ClusterUnavailable(logger, exception);
        }
        else
        {
            UnhandledException(logger, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request rejected with {StatusCode} {ErrorCode}: {ErrorMessage}")]
    private static partial void RequestRejected(ILogger logger, int statusCode, string errorCode, string errorMessage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster could not answer the request")]
    private static partial void ClusterUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception")]
    private static partial void UnhandledException(ILogger logger, Exception exception);
}
