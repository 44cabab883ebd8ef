using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Zones.Api.Limits;

/// <summary>Failed logins per account (normalized email) and per client address, in this node's memory.
/// Only failures are counted: the login handler asks <see cref="ThrowIfBlocked"/> before the password is checked
/// (so a blocked account or address costs no bcrypt, and a right guess while blocked gets 429 as well), and
/// reports the outcome afterwards. A success clears that account's failures; an address's failures stay until
/// they leave the window.</summary>
/// <remarks>A sliding log of failure times per key rather than a rate limiter partition: it counts only what
/// failed, answers an exact <c>Retry-After</c> (when the oldest failure leaves the window), and runs on the injected
/// <see cref="TimeProvider"/>, so tests move time instead of waiting.</remarks>
public sealed class LoginThrottle(IOptions<RateLimitOptions> options, TimeProvider time)
{
    /// <summary>Above this many keys, keys whose failures all left the window are dropped (at most once a minute).</summary>
    private const int SweepAbove = 10_000;

    private readonly RateLimitOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, FailureLog> _logs = new(StringComparer.Ordinal);
    private long _lastSweep;

    /// <summary>Throws <see cref="RateLimitedException"/> when the account or the address has used up its failures.</summary>
    public void ThrowIfBlocked(string? address, string email)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var now = time.GetUtcNow();
        var accountWait = Wait(AccountKey(email), _options.LoginFailuresPerAccount, now);
        var addressWait = address is null ? null : Wait(AddressKey(address), _options.LoginFailuresPerIp, now);
        if ((accountWait > addressWait ? accountWait : addressWait ?? accountWait) is { } retryAfter)
        {
            throw new RateLimitedException("Too many failed logins", retryAfter);
        }
    }

    public void RecordFailure(string? address, string email)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var now = time.GetUtcNow();
        Record(AccountKey(email), _options.LoginFailuresPerAccount, now);
        if (address is not null)
        {
            Record(AddressKey(address), _options.LoginFailuresPerIp, now);
        }

        SweepIfLarge(now);
    }

    public void RecordSuccess(string email) => _logs.TryRemove(AccountKey(email), out _);

    private TimeSpan? Wait(string key, WindowLimit limit, DateTimeOffset now) =>
        _logs.TryGetValue(key, out var log) ? log.Wait(limit, now) : null;

    private void Record(string key, WindowLimit limit, DateTimeOffset now) =>
        _logs.GetOrAdd(key, static _ => new FailureLog()).Add(limit, now);

    private void SweepIfLarge(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (_logs.Count <= SweepAbove || now.UtcTicks - last < TimeSpan.TicksPerMinute
            || Interlocked.CompareExchange(ref _lastSweep, now.UtcTicks, last) != last)
        {
            return;
        }

        var longest = _options.LoginFailuresPerAccount.Window > _options.LoginFailuresPerIp.Window
            ? _options.LoginFailuresPerAccount.Window : _options.LoginFailuresPerIp.Window;
        foreach (var (key, log) in _logs)
        {
            if (log.NewestBefore(now - longest))
            {
                _logs.TryRemove(key, out _);
            }
        }
    }

    // The email is already normalized by the login request's parser; lower-casing again keeps the key stable
    // whatever that parser does.
    private static string AccountKey(string email) => "account:" + email.Trim().ToLowerInvariant();

    private static string AddressKey(string address) => "address:" + address;

    /// <summary>The times of the most recent failures of one key, at most the limit's count of them.</summary>
    private sealed class FailureLog
    {
        private readonly Queue<DateTimeOffset> _failures = new();

        public void Add(WindowLimit limit, DateTimeOffset now)
        {
            lock (_failures)
            {
                _failures.Enqueue(now);
                while (_failures.Count > limit.Limit)
                {
                    _failures.Dequeue();
                }
            }
        }

        /// <summary>How long until one more failure is allowed; null when it is allowed now.</summary>
        public TimeSpan? Wait(WindowLimit limit, DateTimeOffset now)
        {
            lock (_failures)
            {
                while (_failures.Count > 0 && _failures.Peek() <= now - limit.Window)
                {
                    _failures.Dequeue();
                }

                return _failures.Count >= limit.Limit ? _failures.Peek() + limit.Window - now : null;
            }
        }

        public bool NewestBefore(DateTimeOffset cutoff)
        {
            lock (_failures)
            {
                return _failures.Count == 0 || _failures.Last() < cutoff;
            }
        }
    }
}
