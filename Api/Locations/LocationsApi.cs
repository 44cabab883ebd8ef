using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Zones.Api.Limits;
using Zones.Api.Infrastructure;
using static Zones.Api.Infrastructure.OpenApiMetadata;
using Zones.Api.Operations;
using Zones.Errors;
using Zones.Geofencing;
using Zones.Users;

namespace Zones.Api.Locations;

/// <summary>POST /api/v1/locations: a batch of pings for the caller's user grain. 200 means the events in
/// the answer are stored (the grain answers only after its commit).</summary>
public static class LocationsApi
{
    public static RouteGroupBuilder MapLocationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/locations").RequireAuthorization().WithTags("Locations")
            .WithMetadata(Unauthorized);
        api.MapPost("/", ReportLocations).WithName("ReportLocations")
            .WithMetadata(IngestionEndpoint.Instance)
            .Accepts<LocationsRequest>("application/json")
            .Produces<Envelope<LocationsResponse>>(StatusCodes.Status200OK)
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status429TooManyRequests);
        return api;
    }

    /// <summary>The hot path: the body is read from the request pipe and parsed in one pass
    /// (<see cref="PingReader"/>); only a body that is not plainly valid goes through the general validation,
    /// which names every problem. The answer is written straight to the response.</summary>
    private static async Task ReportLocations(HttpContext http, [FromServices] IClusterClient cluster, TimeProvider time,
        IngestionLimiter limiter, IOptions<ApiLimits> limits, SiloLossWatch losses)
    {
        var userId = CurrentUser.Id(http.User);
        // Before the body is read: a refused request costs no parsing. Answered here, not thrown, because a
        // client that ignores Retry-After sends many of these.
        if (limiter.TryAcquire(userId) is { } rejection)
        {
            await RateLimitedException.WriteAsync(http, rejection);
            return;
        }

        var window = PingWindow.At(time.GetUtcNow(), limits.Value.MaxPingAge);
        var body = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        LocationBatch batch;
        try
        {
            batch = PingReader.TryRead(body.Content, window) ?? LocationRequests.Parse(JsonBody.ParseObject(body.Content), window);
        }
        finally
        {
            body.Release();
        }

        var report = await Report(cluster, losses, userId, batch);
        await LocationsResponse.WriteAsync(http.Response, report);
    }

    /// <summary>How long a ping batch may keep being tried once a silo is seen going away, first attempt included:
    /// even when its silo was killed the caller has an answer (200, or 503 UNAVAILABLE to resend) in under 2 s
    /// (issue 8).</summary>
    internal static readonly TimeSpan RetryBudget = TimeSpan.FromMilliseconds(1_800);

    /// <summary>The last attempt's deadline once <see cref="RetryBudget"/> is spent on attempts that only timed out
    /// (no silo was reported gone): a grain handed over by a silo shutting down answers within it.</summary>
    internal static readonly TimeSpan PatientTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long one attempt waits for its answer during a failover before the batch is sent again.</summary>
    internal static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(800);

    /// <summary>The one call path for pings, from HTTP and from the hub alike. Normally a batch is sent once and
    /// waited for, however slow the cluster. When a silo goes away (a call fails so, or one of the Orleans client's
    /// gateway connections closes: <see cref="SiloLossWatch"/>) the Orleans client would wait 10 s for answers lost
    /// with it, so: a batch in flight then is sent again after <see cref="SiloLossWatch.PingGrace"/>, and for a while
    /// every attempt has a deadline (<see cref="AttemptTimeout"/>); both are cancelled through the grain call's
    /// token (the client stops waiting at once; a call still queued at the grain is dropped). A batch is sent again
    /// (50, 100, then 200 ms apart) until <see cref="RetryBudget"/> is spent, then once more with
    /// <see cref="PatientTimeout"/> if the attempts only timed out, then answered 503: resending is
    /// harmless by design (pings not newer than the user's high-water mark are ignored, and a transition keeps
    /// its id), and the user's grain answers from another silo as soon as the dead one is declared dead. A resend
    /// carries <see cref="LocationBatch.Resent"/>, so an attempt that finds the batch already applied still answers the
    /// events it caused (read back from the activity log), as the lost answer would have. A database
    /// outage (UNAVAILABLE from the grain) is not retried: it fails fast.</summary>
    /// <remarks>A caller that does not read the answer's events (the hub's <c>StreamLocations</c>) passes
    /// <c>answerStored: false</c>: its resends are not marked, so they cost the grain no read of the activity log
    /// during a failover, when every streaming user resends at once.</remarks>
    internal static async Task<LocationReport> Report(IClusterClient cluster, SiloLossWatch losses, Guid userId, LocationBatch batch,
        bool answerStored = true)
    {
        ZonesMetrics.PingsReceived(batch.Pings.Count);
        var grain = cluster.UserGrain(userId);
        var started = Environment.TickCount64;
        var siloGone = false;
        var patient = false;
        // Every attempt after the first is marked: the one before it may have been applied, its answer lost, and the
        // grain then answers the pings it finds already evaluated with their stored events (LocationBatch.Resent).
        // Made on the first resend only: a first attempt allocates nothing for it.
        LocationBatch? resend = null;
        for (var attempt = 1; ; attempt++)
        {
            var left = RetryBudget.TotalMilliseconds - (Environment.TickCount64 - started);
            using var deadline = patient ? new CancellationTokenSource(PatientTimeout)
                : (siloGone || losses.LostRecently) && left > 0
                ? new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Min(left, AttemptTimeout.TotalMilliseconds)))
                : null;
            var token = deadline?.Token ?? losses.PingsInFlight;
            try
            {
                var report = await grain.ReportLocations(
                    attempt == 1 ? batch : (resend ??= answerStored ? batch with { Resent = true } : batch), token);
                ZonesMetrics.EventsReturned(report.Events);
                return report;
            }
            catch (Exception ex) when (ApiErrors.IsSiloGone(ex) || (ex is OperationCanceledException && token.IsCancellationRequested))
            {
                if (deadline is null)
                {
                    // A batch that was already waiting (without a deadline) when the loss came gets the budget from then.
                    started = Math.Max(started, Environment.TickCount64 - (long)SiloLossWatch.PingGrace.TotalMilliseconds);
                }

                siloGone = true;

                if (Environment.TickCount64 - started + Backoff(attempt) >= RetryBudget.TotalMilliseconds)
                {
                    if (!patient && ex is OperationCanceledException && deadline is not null)
                    {
                        // Only our own deadlines ran out: the grain may be slow rather than gone (a silo that shuts
                        // down gracefully hands its grains over, which takes seconds under load; a rolling restart
                        // measured 10 such 503s). One last attempt gets PatientTimeout.
                        patient = true;
                        ZonesMetrics.PingBatchRetried();
                        continue;
                    }

                    throw ex is OperationCanceledException
                        ? new ZonesException(ErrorCodes.Unavailable, "The cluster is failing over; send the batch again (it is safe)")
                        : ex;
                }

                ZonesMetrics.PingBatchRetried();
                await Task.Delay(Backoff(attempt));
            }
        }
    }

    /// <summary>50, 100, then 200 ms: a death is declared within about two seconds of a kill, and a grain
    /// reactivated elsewhere should be found soon after.</summary>
    private static int Backoff(int attempt) => 50 << Math.Min(attempt - 1, 2);
}
