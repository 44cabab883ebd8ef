using Prometheus;

namespace Zones.Api.Locations;

/// <summary>Resends a ping batch whose call failed because a silo is leaving or unreachable (a rolling restart
/// hands grains over; a placement can still pick the silo that is shutting down). Safe by design: the grain
/// ignores pings it has already applied, so a resent batch changes nothing. Short, bounded waits: the whole
/// budget is under a second, well inside a client's timeout.</summary>
public static class PingRetry
{
    private static readonly Counter Resent = Metrics.CreateCounter(
        "zones_ping_batches_resent_total", "Ping batches resent to the cluster because a silo was leaving or unreachable.");

    private static readonly TimeSpan[] Delays =
        [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(400)];

    public static async Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception exception) when (attempt < Delays.Length && IsSiloLeaving(exception))
            {
                Resent.Inc();
                await Task.Delay(Delays[attempt]);
            }
        }
    }

    /// <summary>The silo that holds or would hold the grain is shutting down or gone; the next try is placed
    /// or routed elsewhere. Timeouts are not retried: the call may still be running.</summary>
    public static bool IsSiloLeaving(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is SiloUnavailableException or OrleansMessageRejectionException
                or Orleans.Runtime.Messaging.ConnectionFailedException)
            {
                return true;
            }
        }

        return false;
    }
}
