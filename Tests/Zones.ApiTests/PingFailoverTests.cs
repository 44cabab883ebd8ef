using System.Diagnostics;
using System.Reflection;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Invocation;
using Zones.Api.Infrastructure;
using Zones.Api.Locations;
using Zones.ApiTests.Host;
using Zones.Errors;
using Zones.Geofencing;

namespace Zones.ApiTests;

/// <summary>Issue 8, item 3: no request waits for an answer that was lost with a killed silo.</summary>
/// <remarks>The upper bounds tell the behaviours apart (a short attempt from the patient one, a resend after the
/// grace from a wait for the 10 s response timeout) with seconds to spare, so a busy test machine does not fail
/// them; speed itself is measured by the drills, not here.</remarks>
public sealed class PingFailoverTests
{
    private static readonly Guid UserId = Guid.NewGuid();
    private readonly FakeGrains _grains = new();
    private readonly SiloLossWatch _losses = new();

    private static LocationBatch Batch() =>
        new("phone", [new Ping(52.52, 13.405, 5, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds())]);

    [Fact]
    public async Task After_a_silo_loss_a_batch_whose_answer_was_lost_is_sent_again_and_answered_before_any_patient_attempt()
    {
        _losses.GatewayLost();
        _grains.User(UserId).LostAnswers = 1;
        var clock = Stopwatch.StartNew();

        var report = await LocationsApi.Report(FakeCluster.Create(_grains), _losses, UserId, Batch());

        Assert.Equal(1, report.Accepted);
        Assert.Single(_grains.User(UserId).Batches);
        Assert.InRange(clock.Elapsed, LocationsApi.AttemptTimeout, LocationsApi.PatientTimeout);
    }

    [Fact]
    public async Task A_batch_sent_again_after_a_lost_answer_is_marked_as_resent_and_a_first_attempt_is_not()
    {
        await LocationsApi.Report(FakeCluster.Create(_grains), _losses, UserId, Batch());
        _losses.GatewayLost();
        _grains.User(UserId).LostAnswers = 1;

        await LocationsApi.Report(FakeCluster.Create(_grains), _losses, UserId, Batch());

        // The grain answers a marked batch whose pings it finds already evaluated with their stored events.
        Assert.Equal([false, true], _grains.User(UserId).Batches.Select(b => b.Resent));
    }

    [Fact]
    public async Task A_streamed_batch_sent_again_is_not_marked_since_nobody_reads_its_answer()
    {
        _losses.GatewayLost();
        _grains.User(UserId).LostAnswers = 1;

        await LocationsApi.Report(FakeCluster.Create(_grains), _losses, UserId, Batch(), answerStored: false);

        // Unmarked, the resend costs the grain no read of the activity log.
        Assert.Equal([false], _grains.User(UserId).Batches.Select(b => b.Resent));
        Assert.Single(_grains.User(UserId).Lost);
    }

    [Fact]
    public async Task After_a_silo_loss_a_batch_that_gets_no_answer_fails_with_unavailable_after_one_patient_attempt()
    {
        _grains.User(UserId).LostAnswers = 100;
        _losses.GatewayLost();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ZonesException>(
            () => LocationsApi.Report(FakeCluster.Create(_grains), _losses, UserId, Batch()));

        Assert.Equal(ErrorCodes.Unavailable, error.Code);
        Assert.True(clock.Elapsed < LocationsApi.RetryBudget + LocationsApi.PatientTimeout + TimeSpan.FromSeconds(3),
            $"answered after {clock.Elapsed}");
        Assert.True(clock.Elapsed >= LocationsApi.RetryBudget + LocationsApi.PatientTimeout - TimeSpan.FromMilliseconds(300),
            $"the last attempt was not waited for: answered after {clock.Elapsed}");
        Assert.True(_grains.User(UserId).Lost.Count >= 2, "the batch was sent again");
    }

    [Fact]
    public async Task A_slow_batch_is_waited_for_while_no_silo_is_lost_and_sent_again_soon_after_one_is()
    {
        _grains.User(UserId).LostAnswers = 1;
        var report = LocationsApi.Report(FakeCluster.Create(_grains), _losses, UserId, Batch());

        await Task.Delay(LocationsApi.RetryBudget);
        Assert.False(report.IsCompleted);
        Assert.Single(_grains.User(UserId).Lost);

        var clock = Stopwatch.StartNew();
        _losses.GatewayLost();
        Assert.Equal(1, (await report).Accepted);
        Assert.InRange(clock.Elapsed, SiloLossWatch.PingGrace, SiloLossWatch.PingGrace + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_call_in_flight_when_a_silo_connection_closes_fails_as_unavailable_after_the_grace_period()
    {
        var filter = new AbandonOnSiloLoss(_losses);
        var neverAnswered = new TaskCompletionSource();
        var call = filter.Invoke(FakeCallContext.Create(neverAnswered.Task));
        var clock = Stopwatch.StartNew();

        _losses.GatewayLost();
        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => call);

        Assert.InRange(clock.Elapsed, SiloLossWatch.Grace - TimeSpan.FromMilliseconds(100), SiloLossWatch.Grace + TimeSpan.FromSeconds(3));
        Assert.Equal(503, ApiErrors.FromException(error, isDevelopment: false).Status);
    }

    [Fact]
    public async Task A_call_sent_after_a_silo_connection_closed_is_not_cut_short()
    {
        _losses.GatewayLost();
        var answer = new TaskCompletionSource();
        var call = new AbandonOnSiloLoss(_losses).Invoke(FakeCallContext.Create(answer.Task));

        await Task.Delay(SiloLossWatch.Grace + TimeSpan.FromMilliseconds(300));
        Assert.False(call.IsCompleted);
        answer.SetResult();
        await call;
    }

    /// <summary>An outgoing call whose <c>Invoke</c> is the given task; its request carries no cancellation.</summary>
    public class FakeCallContext : DispatchProxy
    {
        private Task _call = Task.CompletedTask;

        public static IOutgoingGrainCallContext Create(Task call)
        {
            var context = Create<IOutgoingGrainCallContext, FakeCallContext>();
            ((FakeCallContext)(object)context)._call = call;
            return context;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "Invoke" => _call,
            "get_Request" => Create<IInvokable, FakeRequest>(),
            "get_InterfaceName" => "IUserGrain",
            "get_MethodName" => "CreateZone",
            _ => throw new NotSupportedException(targetMethod?.Name),
        };
    }

    public class FakeRequest : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "GetCancellationToken" => CancellationToken.None,
            _ => throw new NotSupportedException(targetMethod?.Name),
        };
    }
}
