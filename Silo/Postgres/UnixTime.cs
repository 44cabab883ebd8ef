namespace Zones.Silo.Postgres;

/// <summary>The records carry Unix milliseconds; the database stores timestamptz. These are the only
/// two conversions, so every store rounds the same way.</summary>
internal static class UnixTime
{
    /// <summary>The last millisecond of year 9999, the latest instant DateTime represents.</summary>
    public const long MaxUnixMs = 253_402_300_799_999;

    public static DateTime ToUtc(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;

    public static long FromUtc(DateTime value) =>
        new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}
