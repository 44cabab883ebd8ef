using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zones.LoadTest;

/// <summary>The few calls of API.md the load test needs, over one pooled connection set.</summary>
public sealed class ZonesClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient http;

    public ZonesClient(Uri api, int concurrency)
    {
        var handler = new SocketsHttpHandler
        {
            // Every worker keeps its own connection: a queue inside the client would be counted as server latency.
            MaxConnectionsPerServer = Math.Max(concurrency, 1) * 2,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };
        http = new HttpClient(handler) { BaseAddress = new Uri(api, "/api/v1/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task<string> RegisterAsync(string email, string username, string password, CancellationToken ct)
    {
        var body = new RegisterBody(email, password, username, "Load " + username);
        using var response = await SendAsync("auth/register", null,
            JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.RegisterBody), ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        Ensure(response, HttpStatusCode.Created, bytes, "register");
        var envelope = JsonSerializer.Deserialize(bytes, WireJson.Default.EnvelopeTokens);
        return envelope?.Data?.AccessToken ?? throw new InvalidOperationException("register: no accessToken in the answer");
    }

    public async Task CreateZoneAsync(string token, ZoneBody zone, CancellationToken ct)
    {
        using var response = await SendAsync("zones", token, JsonSerializer.SerializeToUtf8Bytes(zone, WireJson.Default.ZoneBody), ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        Ensure(response, HttpStatusCode.Created, bytes, "create zone");
    }

    /// <summary>POST /locations; the answer is read in full so the timing covers the whole exchange.</summary>
    public async Task<LocationsOutcome> PostLocationsAsync(string token, LocationsBody body, CancellationToken ct)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.LocationsBody);
        using var response = await SendAsync("locations", token, payload, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new LocationsOutcome((int)response.StatusCode, 0, 0, 0);
        }

        var data = JsonSerializer.Deserialize(bytes, WireJson.Default.EnvelopeLocations)?.Data;
        return data is null
            ? new LocationsOutcome(-1, 0, 0, 0)
            : new LocationsOutcome(200, data.Accepted, data.Ignored, data.Events?.Count ?? 0);
    }

    public void Dispose() => http.Dispose();

    private Task<HttpResponseMessage> SendAsync(string path, string? token, byte[] payload, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = Json;
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
    }

    private static void Ensure(HttpResponseMessage response, HttpStatusCode expected, byte[] body, string what)
    {
        if (response.StatusCode != expected)
        {
            var text = System.Text.Encoding.UTF8.GetString(body);
            throw new InvalidOperationException($"{what}: HTTP {(int)response.StatusCode} {text[..Math.Min(text.Length, 300)]}");
        }
    }
}

/// <summary>Status -1 means a 200 whose body could not be read as the contract's envelope.</summary>
public readonly record struct LocationsOutcome(int Status, int Accepted, int Ignored, int Events);

public sealed record RegisterBody(string Email, string Password, string Username, string Name);

public sealed record ZoneBody(string Title, double Latitude, double Longitude, double Radius, string NotificationOption);

public sealed record PingBody(double Latitude, double Longitude, double Accuracy, long Timestamp, double Speed, double Heading);

public sealed record LocationsBody(string DeviceId, PingBody[] Pings);

public sealed record Envelope<T>(bool Success, T? Data);

public sealed record TokensData(string? AccessToken, string? RefreshToken);

public sealed record LocationsData(int Accepted, int Ignored, List<JsonElement>? Events);

// Source-generated so the load generator spends as little as possible of the shared CPU on JSON.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RegisterBody))]
[JsonSerializable(typeof(ZoneBody))]
[JsonSerializable(typeof(LocationsBody))]
[JsonSerializable(typeof(Envelope<TokensData>), TypeInfoPropertyName = "EnvelopeTokens")]
[JsonSerializable(typeof(Envelope<LocationsData>), TypeInfoPropertyName = "EnvelopeLocations")]
internal sealed partial class WireJson : JsonSerializerContext;
