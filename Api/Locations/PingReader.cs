using System.Buffers;
using System.Text.Json;
using Zones.Geofencing;

namespace Zones.Api.Locations;

/// <summary>The hot path's reader of a location batch: one forward pass of <see cref="Utf8JsonReader"/> over the
/// body, straight into <see cref="Ping"/> values, with no document, no per-ping path strings and no property
/// lookups by name.</summary>
/// <remarks>It accepts only the plain, valid shape (exact camelCase names, each once, values of the right type and
/// range). Anything else, including every invalid body, makes it give up, and the caller runs the general
/// validation (<see cref="LocationRequests.Parse(System.Text.Json.JsonElement, PingWindow)"/>), which accepts the same bodies and names every problem. So the
/// two paths cannot disagree on what is valid: this one only decides faster when the answer is yes.</remarks>
public static class PingReader
{
    static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>The batch, or null when the body is not the plain valid shape.</summary>
    public static LocationBatch? TryRead(in ReadOnlySequence<byte> utf8, PingWindow window)
    {
        if (utf8.IsSingleSegment)
        {
            return TryRead(new Utf8JsonReader(utf8.FirstSpan, ReaderOptions), window);
        }

        // A body over one pipe segment (about 4 KiB: a batch of 40 or more pings) is read from one contiguous copy:
        // the reader's multi-segment path costs more than the copy.
        var length = checked((int)utf8.Length);
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            utf8.CopyTo(copy);
            return TryRead(new Utf8JsonReader(copy.AsSpan(0, length), ReaderOptions), window);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    static LocationBatch? TryRead(Utf8JsonReader reader, PingWindow window)
    {
        try
        {
            return TryReadBatch(ref reader, window.MinTimestamp, window.MaxTimestamp);
        }
        catch (JsonException)
        {
            return null; // malformed: the general path words the error
        }
    }

    static LocationBatch? TryReadBatch(ref Utf8JsonReader reader, long minTimestamp, long maxTimestamp)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? deviceId = null;
        Ping[]? pings = null;
        bool seenDevice = false, seenPings = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                // Trailing content after the object makes the reader throw on the next Read: require the end.
                if (reader.Read() || pings is null)
                {
                    return null;
                }

                return new LocationBatch(deviceId, pings);
            }

            if (reader.ValueTextEquals("pings"u8))
            {
                if (seenPings || !reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                {
                    return null;
                }

                seenPings = true;
                pings = ReadPings(ref reader, minTimestamp, maxTimestamp);
                if (pings is null)
                {
                    return null;
                }
            }
            else if (reader.ValueTextEquals("deviceId"u8))
            {
                if (seenDevice || !reader.Read())
                {
                    return null;
                }

                seenDevice = true;
                if (reader.TokenType == JsonTokenType.String)
                {
                    var text = reader.GetString()!.Trim();
                    if (text.Length > LocationRequests.MaxDeviceIdLength)
                    {
                        return null;
                    }

                    deviceId = text.Length == 0 ? null : text;
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return null;
                }
            }
            else if (!SkipUnknown(ref reader))
            {
                return null;
            }
        }

        return null;
    }

    static Ping[]? ReadPings(ref Utf8JsonReader reader, long minTimestamp, long maxTimestamp)
    {
        // Most batches are one ping or a few dozen: grow a small array rather than a List per request.
        var pings = new Ping[4];
        var count = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                if (count is < 1 or > LocationRequests.MaxPings)
                {
                    return null;
                }

                if (count != pings.Length)
                {
                    Array.Resize(ref pings, count);
                }

                return pings;
            }

            if (reader.TokenType != JsonTokenType.StartObject || count == LocationRequests.MaxPings)
            {
                return null;
            }

            if (ReadPing(ref reader, minTimestamp, maxTimestamp) is not { } ping)
            {
                return null;
            }

            if (count == pings.Length)
            {
                Array.Resize(ref pings, Math.Min(pings.Length * 2, LocationRequests.MaxPings));
            }

            pings[count++] = ping;
        }

        return null;
    }

    const int Latitude = 1, Longitude = 2, Accuracy = 4, Timestamp = 8, Speed = 16, Heading = 32;

    static Ping? ReadPing(ref Utf8JsonReader reader, long minTimestamp, long maxTimestamp)
    {
        double latitude = 0, longitude = 0;
        double? accuracy = null, speed = null, heading = null;
        long timestamp = 0;
        var seen = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                const int required = Latitude | Longitude | Timestamp;
                return (seen & required) == required
                    ? new Ping(latitude, longitude, accuracy, timestamp, speed, heading)
                    : null;
            }

            int field;
            if (reader.ValueTextEquals("latitude"u8)) field = Latitude;
            else if (reader.ValueTextEquals("longitude"u8)) field = Longitude;
            else if (reader.ValueTextEquals("accuracy"u8)) field = Accuracy;
            else if (reader.ValueTextEquals("timestamp"u8)) field = Timestamp;
            else if (reader.ValueTextEquals("speed"u8)) field = Speed;
            else if (reader.ValueTextEquals("heading"u8)) field = Heading;
            else
            {
                if (!SkipUnknown(ref reader))
                {
                    return null;
                }

                continue;
            }

            if ((seen & field) != 0 || !reader.Read())
            {
                return null;
            }

            seen |= field;
            if (reader.TokenType == JsonTokenType.Null && field is Accuracy or Speed or Heading)
            {
                continue; // null is absent, as in the general path
            }

            if (reader.TokenType != JsonTokenType.Number)
            {
                return null;
            }

            switch (field)
            {
                case Timestamp:
                    if (!reader.TryGetInt64(out timestamp) || timestamp < 1 || timestamp < minTimestamp || timestamp > maxTimestamp)
                    {
                        return null;
                    }

                    break;
                case Latitude:
                    if (!TryNumber(ref reader, -90, 90, out latitude))
                    {
                        return null;
                    }

                    break;
                case Longitude:
                    if (!TryNumber(ref reader, -180, 180, out longitude))
                    {
                        return null;
                    }

                    break;
                case Heading:
                    if (!TryNumber(ref reader, 0, 360, out var h))
                    {
                        return null;
                    }

                    heading = h;
                    break;
                default:
                    if (!TryNumber(ref reader, 0, double.MaxValue, out var value))
                    {
                        return null;
                    }

                    if (field == Accuracy)
                    {
                        accuracy = value;
                    }
                    else
                    {
                        speed = value;
                    }

                    break;
            }
        }

        return null;
    }

    static bool TryNumber(ref Utf8JsonReader reader, double min, double max, out double value) =>
        reader.TryGetDouble(out value) && double.IsFinite(value) && value >= min && value <= max;

    /// <summary>Skips an unknown property's value. A name that differs from a known one only by case is not
    /// unknown to the general path (it matches names case-insensitively), so such a body goes there.</summary>
    static bool SkipUnknown(ref Utf8JsonReader reader)
    {
        var name = reader.GetString();
        if (name is null || IsKnownIgnoringCase(name))
        {
            return false;
        }

        reader.Skip();
        return true;
    }

    static bool IsKnownIgnoringCase(string name) =>
        name.Equals("pings", StringComparison.OrdinalIgnoreCase)
        || name.Equals("deviceId", StringComparison.OrdinalIgnoreCase)
        || name.Equals("latitude", StringComparison.OrdinalIgnoreCase)
        || name.Equals("longitude", StringComparison.OrdinalIgnoreCase)
        || name.Equals("accuracy", StringComparison.OrdinalIgnoreCase)
        || name.Equals("timestamp", StringComparison.OrdinalIgnoreCase)
        || name.Equals("speed", StringComparison.OrdinalIgnoreCase)
        || name.Equals("heading", StringComparison.OrdinalIgnoreCase);
}
