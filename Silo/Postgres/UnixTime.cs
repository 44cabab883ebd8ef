namespace Zones.Silo.Postgres;

/// <summary>The records carry Unix milliseconds; the database stores timestamptz. These are the only
/// two conversions, so every store rounds the same way.</summary>
internal static class UnixTime
{
    public static DateTime ToUtc(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;

    public static long FromUtc(DateTime value) =>
        new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}
