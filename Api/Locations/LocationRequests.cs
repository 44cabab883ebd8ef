using System.Text.Json;
using Zones.Api.Infrastructure;
using Zones.Geofencing;

namespace Zones.Api.Locations;

/// <summary>The body of POST /locations and the hub's SendLocations, for the OpenAPI document.</summary>
public sealed record LocationsRequest(string? DeviceId, IReadOnlyList<PingRequest> Pings);

/// <summary>One ping as sent: device clock <c>timestamp</c> in Unix ms.</summary>
public sealed record PingRequest(double Latitude, double Longitude, double? Accuracy, long Timestamp, double? Speed, double? Heading);

/// <summary>The answer: how many pings were evaluated and ignored, and the (already stored) transitions, at most
/// <c>Limits:MaxEventsPerAnswer</c> of them (the earliest); <c>eventsOmitted</c>, present only when some were left
/// out, counts the rest, which are stored too and read from <c>GET /activities</c>.</summary>
public sealed record LocationsResponse(
    int Accepted,
    int Ignored,
    IReadOnlyList<ZoneEvent> Events,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    int EventsOmitted = 0)
{
    /// <summary>Writes <c>{"success":true,"data":{...}}</c> for <paramref name="report"/> straight to the response,
    /// the same JSON <c>TypedResults.Ok(new Envelope&lt;LocationsResponse&gt;(...))</c> gives, without its detour.</summary>
    public static async Task WriteAsync(HttpResponse response, LocationReport report)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("success"u8, true);
            writer.WriteStartObject("data"u8);
            writer.WriteNumber("accepted"u8, report.Accepted);
            writer.WriteNumber("ignored"u8, report.Ignored);
            writer.WritePropertyName("events"u8);
            JsonSerializer.Serialize(writer, report.Events, ZonesJson.Options);
            if (report.EventsOmitted > 0)
            {
                writer.WriteNumber("eventsOmitted"u8, report.EventsOmitted);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync();
    }
}

/// <summary>Validation of pings, shared by HTTP and the hub so that both answer the same way.</summary>
public static class LocationRequests
{
    public const int MaxPings = 1_000;
    public const int MaxDeviceIdLength = 128;

    /// <summary>API.md: a timestamp more than five minutes ahead of the server is a VALIDATION_ERROR.</summary>
    public static readonly TimeSpan MaxClockAhead = TimeSpan.FromMinutes(5);

    /// <summary>The default of <c>Limits:MaxPingAge</c>: older pings are a VALIDATION_ERROR.</summary>
    public static readonly TimeSpan DefaultMaxPingAge = TimeSpan.FromDays(7);

    /// <summary>With the default ping age bound.</summary>
    public static LocationBatch Parse(JsonElement body, DateTimeOffset now) => Parse(body, PingWindow.At(now, DefaultMaxPingAge));

    public static LocationBatch Parse(JsonElement body, PingWindow window)
    {
        var problems = new ValidationProblems();
        var fields = new JsonFields(body, string.Empty, problems);
        var deviceId = fields.String("deviceId", required: false, 0, MaxDeviceIdLength);
        var pings = new List<Ping>();
        if (fields.Array("pings", required: true) is { } array)
        {
            var count = array.GetArrayLength();
            if (count is < 1 or > MaxPings)
            {
                fields.Add("pings", $"must hold between 1 and {MaxPings} pings");
            }
            else
            {
                var i = 0;
                foreach (var element in array.EnumerateArray())
                {
                    if (ParsePing(element, $"pings[{i++}]", window, problems) is { } ping)
                    {
                        pings.Add(ping);
                    }
                }
            }
        }

        problems.ThrowIfAny();
        return new LocationBatch(string.IsNullOrEmpty(deviceId) ? null : deviceId, pings);
    }

    /// <summary>One ping at <paramref name="path"/>; null (with problems recorded) when it is not valid.</summary>
    public static Ping? ParsePing(JsonElement element, string path, PingWindow window, ValidationProblems problems)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add(path, "must be an object");
            return null;
        }

        var before = problems.Details.Count;
        var fields = new JsonFields(element, path, problems);
        var latitude = fields.Double("latitude", required: true, -90, 90);
        var longitude = fields.Double("longitude", required: true, -180, 180);
        var accuracy = fields.Double("accuracy", required: false, 0, double.MaxValue);
        var timestamp = fields.Int64("timestamp", required: true, 1, long.MaxValue);
        var speed = fields.Double("speed", required: false, 0, double.MaxValue);
        var heading = fields.Double("heading", required: false, 0, 360);
        if (timestamp > window.MaxTimestamp)
        {
            fields.Add("timestamp", "must not be more than 5 minutes in the future");
        }
        else if (timestamp < window.MinTimestamp)
        {
            fields.Add("timestamp", $"must not be more than {Describe(window.MaxAge)} in the past");
        }

        return problems.Details.Count == before
            ? new Ping(latitude!.Value, longitude!.Value, accuracy, timestamp!.Value, speed, heading)
            : null;
    }

    private static string Describe(TimeSpan age) =>
        age.TotalDays >= 1 && age.TotalDays == Math.Floor(age.TotalDays) ? $"{age.TotalDays:0} days"
        : age.TotalHours >= 1 && age.TotalHours == Math.Floor(age.TotalHours) ? $"{age.TotalHours:0} hours"
        : $"{Math.Ceiling(age.TotalSeconds):0} seconds";
}

/// <summary>The timestamps a ping may have now (Unix ms, inclusive): at most <see cref="MaxAge"/> old and at most
/// <see cref="LocationRequests.MaxClockAhead"/> ahead of the server's clock.</summary>
public readonly record struct PingWindow(long MinTimestamp, long MaxTimestamp, TimeSpan MaxAge)
{
    public static PingWindow At(DateTimeOffset now, TimeSpan maxAge) => new(
        (now - maxAge).ToUnixTimeMilliseconds(), (now + LocationRequests.MaxClockAhead).ToUnixTimeMilliseconds(), maxAge);
}
