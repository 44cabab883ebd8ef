using System.Text.Json;

namespace Zones.Bench;

/// <summary>An event as the server reported it (in an answer or on the hub), reduced to what identifies it.</summary>
public readonly record struct SeenEvent(Guid Id, Guid ZoneId, bool Enter, long Timestamp);

/// <summary>Reads <c>{accepted, ignored, events}</c> (bare, or inside the v1 envelope's data) with a forward-only
/// reader: no document, no reflection.</summary>
public static class AnswerReader
{
    public static bool TryRead(ReadOnlySpan<byte> json, out int accepted, out int ignored, List<SeenEvent> events)
    {
        accepted = ignored = -1;
        events.Clear();
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.ValueTextEquals("accepted"u8))
                {
                    reader.Read();
                    accepted = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("ignored"u8))
                {
                    reader.Read();
                    ignored = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("events"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        ReadEvents(ref reader, events);
                    }
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return accepted >= 0 && ignored >= 0;
    }

    private static void ReadEvents(ref Utf8JsonReader reader, List<SeenEvent> events)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            Guid id = default, zone = default;
            var enter = false;
            long timestamp = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var isId = reader.ValueTextEquals("id"u8);
                var isZone = reader.ValueTextEquals("zoneId"u8);
                var isType = reader.ValueTextEquals("type"u8);
                var isTime = reader.ValueTextEquals("timestamp"u8);
                reader.Read();
                if (isId)
                {
                    id = reader.GetGuid();
                }
                else if (isZone)
                {
                    zone = reader.GetGuid();
                }
                else if (isType)
                {
                    enter = reader.ValueTextEquals("enter"u8);
                }
                else if (isTime)
                {
                    timestamp = reader.GetInt64();
                }
                else
                {
                    reader.Skip();
                }
            }

            events.Add(new SeenEvent(id, zone, enter, timestamp));
        }
    }

    /// <summary>A zoneEvent as a hub protocol delivered it: a JsonElement (JSON) or a map (MessagePack).</summary>
    public static SeenEvent? FromHub(object? message) => message switch
    {
        JsonElement { ValueKind: JsonValueKind.Object } e => new SeenEvent(
            Guid.TryParse(Text(e, "id"), out var id) ? id : default,
            Guid.TryParse(Text(e, "zoneId"), out var zone) ? zone : default,
            Text(e, "type") == "enter",
            Number(e, "timestamp")),
        IDictionary<object, object> map => new SeenEvent(
            Guid.TryParse(Text(map, "id"), out var id) ? id : default,
            Guid.TryParse(Text(map, "zoneId"), out var zone) ? zone : default,
            Text(map, "type") == "enter",
            Convert.ToInt64(Value(map, "timestamp") ?? 0L, System.Globalization.CultureInfo.InvariantCulture)),
        _ => null,
    };

    /// <summary>accepted/ignored of a SendLocations answer, either protocol.</summary>
    public static (int Accepted, int Ignored, List<SeenEvent> Events)? FromHubAnswer(object? answer)
    {
        switch (answer)
        {
            case JsonElement { ValueKind: JsonValueKind.Object } e:
            {
                var events = new List<SeenEvent>();
                var raw = JsonSerializer.SerializeToUtf8Bytes(e);
                return TryRead(raw, out var a, out var i, events) ? (a, i, events) : null;
            }

            case IDictionary<object, object> map:
            {
                var inner = Value(map, "data") as IDictionary<object, object> ?? map;
                var events = (Value(inner, "events") as object[] ?? []).Select(FromHub).OfType<SeenEvent>().ToList();
                return (Convert.ToInt32(Value(inner, "accepted") ?? -1, System.Globalization.CultureInfo.InvariantCulture),
                    Convert.ToInt32(Value(inner, "ignored") ?? -1, System.Globalization.CultureInfo.InvariantCulture), events);
            }

            default:
                return null;
        }
    }

    private static string? Text(JsonElement e, string name)
    {
        foreach (var p in e.EnumerateObject())
        {
            if (p.NameEquals(name) || string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.ToString();
            }
        }

        return null;
    }

    private static long Number(JsonElement e, string name)
    {
        foreach (var p in e.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Value.TryGetInt64(out var v))
            {
                return v;
            }
        }

        return 0;
    }

    private static object? Value(IDictionary<object, object> map, string name) =>
        map.FirstOrDefault(kv => string.Equals(kv.Key as string, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static string? Text(IDictionary<object, object> map, string name) => Value(map, name)?.ToString();
}
