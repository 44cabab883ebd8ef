using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Orleans.Runtime;

namespace Zones.Api.Infrastructure;

/// <summary>The X-Request-ID rules of API.md: a client's id is echoed when it is 1-128 chars of
/// [A-Za-z0-9._-], else the server makes one.</summary>
public static partial class RequestIds
{
    public const string HeaderName = "X-Request-ID";

    /// <summary>The Orleans <c>RequestContext</c> key the silos read to log the same id.</summary>
    public const string OrleansKey = RequestContextKeys.RequestId;

    /// <summary>The log property every line of the request carries.</summary>
    public const string LogProperty = "RequestId";

    /// <summary>The client's id when it is acceptable, else null. A repeated header is not acceptable:
    /// which one would we echo?</summary>
    public static string? Accept(StringValues header) =>
        header.Count == 1 && header[0] is { } value && Pattern().IsMatch(value) ? value : null;

    // A random prefix drawn once per process, so ids from different nodes and restarts do not collide, then a counter:
    // a new id costs no read of the system's random source (Guid.NewGuid reads it on every call here, a system call
    // per request on the ingestion path).
    private static readonly string NodePrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private static long _issued;

    /// <summary>A new id: 16 hex digits naming this process, a dash, and 16 hex digits counting its requests.</summary>
    public static string New() => string.Create(33, Interlocked.Increment(ref _issued), static (chars, sequence) =>
    {
        NodePrefix.CopyTo(chars);
        chars[16] = '-';
        sequence.TryFormat(chars[17..], out _, "x16", CultureInfo.InvariantCulture);
    });

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}

/// <summary>Gives every request its id: echoed on the answer, on every log line, and carried to the silos.
/// Also puts the <see cref="SecurityHeaders"/> on every answer.</summary>
internal sealed class RequestIdMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var id = RequestIds.Accept(context.Request.Headers[RequestIds.HeaderName]) ?? RequestIds.New();
        context.TraceIdentifier = id;
        // OnStarting rather than now: the exception handler clears the headers before it writes an error.
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            http.Response.Headers[RequestIds.HeaderName] = http.TraceIdentifier;
            // Same callback, so the hot path registers one: the security headers also survive the error handler.
            SecurityHeaders.Apply(http.Response.Headers);
            return Task.CompletedTask;
        }, context);

        // RequestContext is async-local: set here, it flows into every grain call made below.
        // It also puts the id on every log line written below (RequestIdLogEnricher).
        RequestContext.Set(RequestIds.OrleansKey, id);
        try
        {
            await next(context);
        }
        finally
        {
            RequestContext.Remove(RequestIds.OrleansKey);
        }
    }
}

/// <summary>Stamps the request id on every log line written while serving the request. It overrides the
/// <c>RequestId</c> of ASP.NET Core's hosting log scope, which holds the connection-based trace identifier
/// captured before <see cref="RequestIdMiddleware"/> chose the id the client sees.</summary>
internal sealed class RequestIdLogEnricher : Serilog.Core.ILogEventEnricher
{
    public void Enrich(Serilog.Events.LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory)
    {
        if (RequestContext.Get(RequestIds.OrleansKey) is string id)
        {
            logEvent.AddOrUpdateProperty(propertyFactory.CreateProperty(RequestIds.LogProperty, id));
        }
    }
}
