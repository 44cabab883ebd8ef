using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Orleans.Runtime;
using Microsoft.Extensions.Options;
using Serilog.Context;
using Zones.Api.Infrastructure;
using Zones.Api.Limits;
using Zones.Api.Locations;
using Zones.Geofencing;
using Zones.Realtime;

namespace Zones.Api.Realtime;

/// <summary>The hub's client-to-server methods: the same rules and answers as POST /locations.
/// Errors reach the client as <see cref="HubException"/> whose message contains <c>"CODE: message"</c> followed
/// by the details (SignalR prefixes it with "An unexpected error occurred invoking 'Method' on the server.
/// HubException: "); it is the only exception text SignalR sends to clients.</summary>
/// <remarks>Both methods count against the caller's <see cref="IngestionLimiter"/> bucket, the one POST /locations
/// uses: a SendLocations call takes one permit, a StreamLocations stream one per batch it hands the grain. A refused
/// call (or the stream) ends with <c>"RATE_LIMITED: Too many location requests for this user; retry after N
/// seconds"</c>.</remarks>
public sealed partial class ZonesHubHandler(
    IClusterClient cluster, SiloLossWatch losses, TimeProvider time, IngestionLimiter limiter, IOptions<ApiLimits> limits,
    IHostEnvironment environment, ILogger<ZonesHubHandler> logger) : IZonesHubHandler
{
    public async Task<object> SendLocations(HubCallerContext context, object argument)
    {
        using var scope = BeginInvocation(context, out var userId);
        try
        {
            if (limiter.TryAcquire(userId) is { } rejection)
            {
                throw rejection;
            }

            var request = HubArguments.ToJson(argument);
            if (request.ValueKind != JsonValueKind.Object)
            {
                throw ApiErrors.Validation(JsonBody.Field, "must be a JSON object");
            }

            var batch = LocationRequests.Parse(request, Window());
            var report = await LocationsApi.Report(cluster, losses, userId, batch);
            return HubMessages.LocationReport(report);
        }
        catch (Exception exception) when (exception is not HubException)
        {
            throw ToHubException(exception);
        }
    }

    public async Task StreamLocations(HubCallerContext context, IAsyncEnumerable<object> pings)
    {
        using var scope = BeginInvocation(context, out var userId);
        // A pump moves arriving pings into a channel, so that pings that arrived while the grain was busy
        // with the previous ones go in one batch instead of one call each.
        // Bounded: a device that streams faster than its grain evaluates is slowed down (SignalR stops reading
        // its stream) instead of growing this node's memory.
        var channel = Channel.CreateBounded<Ping>(new BoundedChannelOptions(LocationRequests.MaxPings * 2)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var pump = Pump(pings, channel.Writer, context.ConnectionAborted);
        try
        {
            var batch = new List<Ping>(LocationRequests.MaxPings);
            while (await channel.Reader.WaitToReadAsync(context.ConnectionAborted))
            {
                batch.Clear();
                while (batch.Count < LocationRequests.MaxPings && channel.Reader.TryRead(out var ping))
                {
                    batch.Add(ping);
                }

                if (limiter.TryAcquire(userId) is { } rejection)
                {
                    throw rejection;
                }

                await LocationsApi.Report(cluster, losses, userId, new LocationBatch(null, batch.ToArray()), answerStored: false);
            }

            if (await pump is { } failure)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }
        catch (Exception exception) when (exception is not HubException && !context.ConnectionAborted.IsCancellationRequested)
        {
            throw ToHubException(exception);
        }
    }

    /// <summary>Validates each ping as it arrives; the first invalid one ends the stream with a
    /// VALIDATION_ERROR naming <c>pings[i]</c> (its position in the stream).</summary>
    private async Task<Exception?> Pump(IAsyncEnumerable<object> pings, ChannelWriter<Ping> writer, CancellationToken cancellationToken)
    {
        // The channel is completed without the failure so that the pings before it are still evaluated;
        // the failure is rethrown once they are.
        try
        {
            var index = 0;
            await foreach (var argument in pings.WithCancellation(cancellationToken))
            {
                var element = HubArguments.ToJson(argument);
                var problems = new ValidationProblems();
                var ping = LocationRequests.ParsePing(element, $"pings[{index++}]", Window(), problems);
                problems.ThrowIfAny();
                await writer.WriteAsync(ping!, cancellationToken);
            }
        }
        catch (Exception exception)
        {
            return exception;
        }
        finally
        {
            writer.TryComplete();
        }

        return null;
    }

    private PingWindow Window() => PingWindow.At(time.GetUtcNow(), limits.Value.MaxPingAge);

    private HubException ToHubException(Exception exception)
    {
        var (status, error) = ApiErrors.FromException(exception, environment.IsDevelopment());
        if (status >= 500)
        {
            HubCallFailed(logger, status, exception);
        }

        var details = error.Details is { Count: > 0 } list
            ? " (" + string.Join("; ", list.Select(d => $"{d.Field}: {d.Reason}")) + ")"
            : string.Empty;
        return new HubException($"{error.Code}: {error.Message}{details}");
    }

    /// <summary>A hub invocation is not an HTTP request: give it its own request id, for the silos and on its log lines
    /// (RequestIdLogEnricher reads it from the Orleans request context).</summary>
    private static Scope BeginInvocation(HubCallerContext context, out Guid userId)
    {
        userId = CurrentUser.Id(context.User!);
        RequestContext.Set(RequestIds.OrleansKey, RequestIds.New());
        return new Scope(LogContext.PushProperty("UserId", userId), LogContext.PushProperty("ConnectionId", context.ConnectionId));
    }

    private readonly struct Scope(IDisposable user, IDisposable connection) : IDisposable
    {
        public void Dispose()
        {
            RequestContext.Remove(RequestIds.OrleansKey);
            connection.Dispose();
            user.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub call failed with {StatusCode}")]
    private static partial void HubCallFailed(ILogger logger, int statusCode, Exception exception);
}
