using System.Collections.Concurrent;

namespace Zones.Silo.Postgres;

/// <summary>One shared instance of each short string that many zones repeat (titles such as "Home", the default
/// notification text, icon names, colours), instead of one copy per zone read: a silo holding a million users of
/// ten zones each would otherwise keep tens of millions of equal strings. Bounded, so user-chosen text cannot grow
/// it without limit: once full (or for long text) a string is kept as read. Thread-safe.</summary>
public sealed class StringPool(int capacity = StringPool.DefaultCapacity, int maxLength = StringPool.DefaultMaxLength)
{
    public const int DefaultCapacity = 100_000;
    public const int DefaultMaxLength = 64;

    readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    int _count;

    /// <summary>The pooled instance equal to <paramref name="value"/>, or <paramref name="value"/> itself.</summary>
    public string Share(string value)
    {
        if (value.Length > maxLength)
        {
            return value;
        }

        if (_strings.TryGetValue(value, out var shared))
        {
            return shared;
        }

        if (Volatile.Read(ref _count) >= capacity)
        {
            return value;
        }

        shared = _strings.GetOrAdd(value, value);
        if (ReferenceEquals(shared, value))
        {
            Interlocked.Increment(ref _count);
        }

        return shared;
    }

    /// <inheritdoc cref="Share(string)"/>
    public string? ShareOrNull(string? value) => value is null ? null : Share(value);
}
