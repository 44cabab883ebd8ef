using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Zones.Api.Infrastructure;

/// <summary>Writes the error envelope. Everything that answers 4xx/5xx ends here.</summary>
public static class ErrorResponses
{
    public static Task WriteAsync(HttpContext context, int status, ErrorBody error)
    {
        if (context.Response.HasStarted)
        {
            // Too late to change the answer; the caller logs the failure.
            return Task.CompletedTask;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var envelope = new ErrorEnvelope(error, context.TraceIdentifier);
        return JsonSerializer.SerializeAsync(context.Response.Body, envelope, ZonesJson.Options, context.RequestAborted);
    }
}
