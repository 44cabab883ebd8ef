using System.Text;
using System.Text.Json;
using Zones.Errors;

namespace Zones.ApiTests;

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

internal static class Json
{
    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static ReadOnlyMemory<byte> Utf8(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>The details of the VALIDATION_ERROR that <paramref name="action"/> throws, as "field: reason".</summary>
    public static IReadOnlyList<string> ValidationDetails(Action action)
    {
        var exception = Assert.ThrowsAny<ZonesException>(action);
        Assert.Equal(ErrorCodes.Validation, exception.Code);
        return exception.Details.Select(d => $"{d.Field}: {d.Reason}").ToList();
    }

    public static IReadOnlyList<string> Fields(Action action) =>
        ValidationDetails(action).Select(d => d[..d.IndexOf(':')]).ToList();
}
