namespace Zones.Users;

/// <summary>What to do with the durable dwell reminder.</summary>
public enum ReminderChange
{
    Keep,
    Register,
    Unregister,
}

/// <summary>What a user grain does about its dwell timer and reminder after a change.</summary>
/// <param name="Reschedule">False: nothing at all (the common case). True: drop the current timer, if any, and
/// apply the rest.</param>
/// <param name="Timer">Start a one-shot timer with this delay; null: none.</param>
/// <param name="Reminder">Register, unregister or keep the reminder.</param>
/// <param name="ReminderDue">When a registered reminder first fires (only with <see cref="ReminderChange.Register"/>).</param>
public readonly record struct DwellPlan(bool Reschedule, TimeSpan? Timer, ReminderChange Reminder, TimeSpan ReminderDue)
{
    public static DwellPlan Nothing => default;
}

/// <summary>The dwell timer/reminder decision, pure: a timer fires a pending dwell on time while the grain is
/// active; a reminder wakes the grain for it if the grain was deactivated meanwhile (reminders are durable,
/// timers are not). The grain only executes the plan.</summary>
public static class DwellSchedule
{
    /// <summary>The longest timer set at once. A grain timer refuses more than 2^32 - 2 ms (about 49.7 days); a
    /// longer wait is covered by timers re-armed each time one fires with nothing due.</summary>
    public static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(1);

    /// <summary>The reminder fires this long after the dwell is due (the timer normally fires it first), then
    /// every <see cref="ReminderPeriod"/> until unregistered.</summary>
    public static readonly TimeSpan ReminderGrace = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Decides what to do now.</summary>
    /// <param name="dueAt">When the next dwell falls due (Unix ms, the device's clock); null when none is pending.</param>
    /// <param name="scheduledFor">The <paramref name="dueAt"/> of the last plan carried out.</param>
    /// <param name="timerSet">Whether a timer is armed (false once it has fired: it is one-shot).</param>
    /// <param name="reminderRegistered">Whether the reminder is known to be registered.</param>
    /// <param name="nowMs">The server's clock (Unix ms).</param>
    public static DwellPlan Decide(long? dueAt, long? scheduledFor, bool timerSet, bool reminderRegistered, long nowMs)
    {
        if (dueAt is not long due)
        {
            // Nothing pending: drop a timer left from before, and the reminder if there is one.
            return scheduledFor is null && !timerSet && !reminderRegistered
                ? DwellPlan.Nothing
                : new DwellPlan(true, null, reminderRegistered ? ReminderChange.Unregister : ReminderChange.Keep, TimeSpan.Zero);
        }

        if (due == scheduledFor && timerSet)
        {
            // The common case: nothing about pending dwells changed with this batch. (A reminder that could not
            // be registered is retried with the next change, not on every batch.)
            return DwellPlan.Nothing;
        }

        // A new due time, or a timer that fired with nothing due yet (the dwell is due by the device's clock,
        // which may run ahead of the server's; or the timer was capped): arm it again.
        var delay = TimeSpan.FromMilliseconds(Math.Max(0, due - nowMs));
        return new DwellPlan(true, delay < MaxTimerDelay ? delay : MaxTimerDelay,
            reminderRegistered ? ReminderChange.Keep : ReminderChange.Register, delay + ReminderGrace);
    }
}
