using System.Buffers;
using System.Collections;
using System.Text.Json;

namespace Zones.Api.Realtime;

/// <summary>Hub arguments arrive as <see cref="JsonElement"/> over the JSON protocol and as plain maps, arrays and
/// primitives over the MessagePack protocol (the hub's parameters are <c>object</c> so that both bind). Both are
/// brought to one <see cref="JsonElement"/>, so validation and its error messages are the same whatever the
/// protocol.</summary>
public static class HubArguments
{
    /// <summary>Deeper than any valid request; a hostile message cannot recurse without bound.</summary>
    const int MaxDepth = 64;

    public static JsonElement ToJson(object? argument)
    {
        if (argument is JsonElement element)
        {
            return element;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, argument, 0);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    static void Write(Utf8JsonWriter writer, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new JsonException("the message is nested too deeply");
        }

        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case double number:
                WriteFloat(writer, number);
                break;
            case float number:
                WriteFloat(writer, number);
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case ulong number:
                writer.WriteNumberValue(number);
                break;
            case IDictionary map:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    writer.WritePropertyName(entry.Key as string ?? Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "");
                    Write(writer, entry.Value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                // Binary, extension types, timestamps: nothing a request holds; written as a string so validation
                // names the field ("must be a number") instead of failing the call.
                writer.WriteStringValue(value.ToString());
                break;
        }
    }

    // JSON has no NaN or Infinity; a string makes validation answer "must be a number", as it does for JSON.
    static void WriteFloat(Utf8JsonWriter writer, double number)
    {
        if (double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
