using Orleans.Runtime;

namespace Zones.Api.Infrastructure;

/// <summary>When this node's Orleans client last lost a gateway connection, the one sign it gets at once that a
/// silo went away (a killed process's connections close at once; the membership table says so seconds later).
/// An answer lost with that silo is otherwise waited for until the client's response timeout (10 s), because the
/// Orleans client does not fail the calls it sent through (or, via another gateway, to) a silo that died.
/// So: calls in flight when a gateway connection closes get <see cref="Grace"/> more to answer, then fail as
/// <see cref="SiloUnavailableException"/> (503 UNAVAILABLE; <see cref="AbandonOnSiloLoss"/>); ping batches in flight
/// get <see cref="PingGrace"/>, then are sent again, and for <see cref="Window"/> after a loss every ping attempt
/// has a short deadline (<see cref="Locations.LocationsApi.Report"/>).</summary>
public sealed class SiloLossWatch : IClusterConnectionStatusObserver
{
    /// <summary>How long a call in flight when a gateway connection closed may still answer: a healthy call
    /// answers in milliseconds, and one queued behind a grain's commit in well under a second.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>How long a ping batch in flight when a gateway connection closed may still answer before it is
    /// sent again (harmless; a healthy batch answers in milliseconds).</summary>
    public static readonly TimeSpan PingGrace = TimeSpan.FromMilliseconds(300);

    /// <summary>How long after a loss ping attempts have a deadline: the dead silo is declared dead, and its
    /// grains answer from other silos, within a few seconds.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private long _lastLoss = long.MinValue / 2;
    private CancellationTokenSource _inFlight = new();
    private CancellationTokenSource _pingsInFlight = new();

    /// <summary>Cancelled <see cref="Grace"/> after the next gateway loss: the calls sent before it.</summary>
    public CancellationToken InFlight => Volatile.Read(ref _inFlight).Token;

    /// <summary>Cancelled <see cref="PingGrace"/> after the next gateway loss: the ping batches sent before it.</summary>
    public CancellationToken PingsInFlight => Volatile.Read(ref _pingsInFlight).Token;

    public bool LostRecently => Environment.TickCount64 - Volatile.Read(ref _lastLoss) < Window.TotalMilliseconds;

    /// <summary>Records a loss now (the Orleans client calls it through <see cref="NotifyGatewayCountChanged"/>).</summary>
    public void GatewayLost()
    {
        Volatile.Write(ref _lastLoss, Environment.TickCount64);
        // Calls sent from now on go to the gateways left; the ones already sent get the grace period.
        // The old source is not disposed: calls may still be registering on its token; the timer releases it.
        Interlocked.Exchange(ref _inFlight, new CancellationTokenSource()).CancelAfter(Grace);
        Interlocked.Exchange(ref _pingsInFlight, new CancellationTokenSource()).CancelAfter(PingGrace);
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            GatewayLost();
        }
    }

    public void NotifyClusterConnectionLost() => GatewayLost();
}

/// <summary>Fails a call still unanswered <see cref="SiloLossWatch.Grace"/> after a gateway connection closed
/// (see <see cref="SiloLossWatch"/>) with <see cref="SiloUnavailableException"/>, which the Api answers with
/// 503 UNAVAILABLE. Calls that carry their own cancellation (ping batches, which are resent:
/// <see cref="Locations.LocationsApi.Report"/>) are left alone. Retrying is left to the client: zone and account changes are not all idempotent.</summary>
internal sealed class AbandonOnSiloLoss(SiloLossWatch watch) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.Request.GetCancellationToken().CanBeCanceled)
        {
            return context.Invoke();
        }

        var abandon = watch.InFlight;
        var call = context.Invoke();
        return call.IsCompleted ? call : WaitAsync(call, abandon, context);
    }

    private static async Task WaitAsync(Task call, CancellationToken abandon, IOutgoingGrainCallContext context)
    {
        try
        {
            await call.WaitAsync(abandon);
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested && !call.IsCompleted)
        {
            // The call's own failure (its response timeout) comes later and is observed here, not left unobserved.
            _ = call.ContinueWith(static t => t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw new SiloUnavailableException(
                $"No answer from {context.InterfaceName}.{context.MethodName} {SiloLossWatch.Grace.TotalSeconds:0} s after a silo connection closed");
        }
    }
}
