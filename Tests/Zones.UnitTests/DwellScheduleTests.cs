using Zones.Users;

namespace Zones.UnitTests;

/// <summary>The user grain's dwell timer and reminder decision, without a cluster.</summary>
public sealed class DwellScheduleTests
{
    const long Now = 1_700_000_000_000;

    /// <summary>What a grain timer accepts at most (System.Threading.Timer's limit, 2^32 - 2 ms).</summary>
    static readonly TimeSpan GrainTimerLimit = TimeSpan.FromMilliseconds(0xfffffffe);

    [Fact]
    public void Nothing_pending_and_nothing_set_means_no_work()
    {
        Assert.Equal(DwellPlan.Nothing, DwellSchedule.Decide(null, null, timerSet: false, reminderRegistered: false, Now));
    }

    [Fact]
    public void A_dwell_becoming_pending_sets_a_timer_for_its_due_time_and_registers_the_reminder()
    {
        var plan = DwellSchedule.Decide(Now + 120_000, null, timerSet: false, reminderRegistered: false, Now);

        Assert.True(plan.Reschedule);
        Assert.Equal(TimeSpan.FromMinutes(2), plan.Timer);
        Assert.Equal(ReminderChange.Register, plan.Reminder);
        Assert.Equal(TimeSpan.FromMinutes(3), plan.ReminderDue); // a minute after the timer: the fallback
    }

    [Fact]
    public void An_unchanged_due_time_with_its_timer_armed_means_no_work()
    {
        Assert.Equal(DwellPlan.Nothing, DwellSchedule.Decide(Now + 60_000, Now + 60_000, timerSet: true, reminderRegistered: true, Now));
    }

    [Fact]
    public void An_earlier_dwell_moves_the_timer_and_keeps_the_reminder()
    {
        var plan = DwellSchedule.Decide(Now + 10_000, Now + 60_000, timerSet: true, reminderRegistered: true, Now);

        Assert.Equal(new DwellPlan(true, TimeSpan.FromSeconds(10), ReminderChange.Keep, TimeSpan.FromSeconds(70)), plan);
    }

    [Fact]
    public void A_fired_dwell_with_none_left_unregisters_the_reminder()
    {
        var plan = DwellSchedule.Decide(null, Now - 1_000, timerSet: false, reminderRegistered: true, Now);

        Assert.True(plan.Reschedule);
        Assert.Null(plan.Timer);
        Assert.Equal(ReminderChange.Unregister, plan.Reminder);
    }

    [Fact]
    public void A_timer_left_after_its_zone_was_deleted_is_dropped()
    {
        var plan = DwellSchedule.Decide(null, Now + 60_000, timerSet: true, reminderRegistered: false, Now);

        Assert.Equal(new DwellPlan(true, null, ReminderChange.Keep, TimeSpan.Zero), plan);
    }

    [Fact]
    public void A_dwell_months_away_gets_a_capped_timer_and_a_reminder_at_its_real_due_time()
    {
        // dwellSeconds of 60 days: a grain timer refuses anything over about 49.7 days.
        var due = Now + (long)TimeSpan.FromDays(60).TotalMilliseconds;

        var plan = DwellSchedule.Decide(due, null, timerSet: false, reminderRegistered: false, Now);

        Assert.Equal(DwellSchedule.MaxTimerDelay, plan.Timer);
        Assert.True(plan.Timer <= GrainTimerLimit);
        Assert.Equal(ReminderChange.Register, plan.Reminder);
        Assert.Equal(TimeSpan.FromDays(60) + DwellSchedule.ReminderGrace, plan.ReminderDue);

        // The capped timer fires with nothing due: it is armed again, still capped, and the reminder stays.
        var later = Now + (long)DwellSchedule.MaxTimerDelay.TotalMilliseconds;
        var rearm = DwellSchedule.Decide(due, due, timerSet: false, reminderRegistered: true, later);
        Assert.Equal(new DwellPlan(true, DwellSchedule.MaxTimerDelay, ReminderChange.Keep, TimeSpan.FromDays(60) - DwellSchedule.MaxTimerDelay + DwellSchedule.ReminderGrace), rearm);
    }

    [Fact]
    public void A_timer_that_fired_early_by_device_clock_skew_is_armed_again_for_the_rest()
    {
        // The device's clock runs 5 s ahead of the server's: when the timer fires the dwell is not due yet.
        var due = Now + 5_000;

        var plan = DwellSchedule.Decide(due, due, timerSet: false, reminderRegistered: true, Now);

        Assert.Equal(new DwellPlan(true, TimeSpan.FromSeconds(5), ReminderChange.Keep, TimeSpan.FromSeconds(65)), plan);
    }

    [Fact]
    public void A_dwell_already_due_fires_at_once()
    {
        var plan = DwellSchedule.Decide(Now - 30_000, null, timerSet: false, reminderRegistered: true, Now);

        Assert.Equal(TimeSpan.Zero, plan.Timer);
        Assert.Equal(ReminderChange.Keep, plan.Reminder);
    }
}
