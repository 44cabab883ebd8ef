namespace Zones.Observability;

/// <summary>Lets one log line through per <see cref="Interval"/> and counts the ones held back, so a failure that
/// hits every request (a dependency outage) writes a line every few seconds rather than thousands; the metric next
/// to the line keeps the exact count.</summary>
public sealed class LogThrottle(TimeSpan interval)
{
    long _nextAllowed;
    long _suppressed;

    public TimeSpan Interval { get; } = interval;

    /// <summary>True when this occurrence should be logged; <paramref name="suppressed"/> is then the number of
    /// occurrences held back since the last logged one.</summary>
    public bool TryEnter(out long suppressed)
    {
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _nextAllowed);
        if (now >= next && Interlocked.CompareExchange(ref _nextAllowed, now + (long)Interval.TotalMilliseconds, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
