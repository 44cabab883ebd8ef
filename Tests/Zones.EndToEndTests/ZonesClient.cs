using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Zones.EndToEndTests;

/// <summary>A client written from API.md only: raw JSON in and out, so the tests see the wire format.</summary>
public sealed class ZonesClient(Uri apiUrl) : IDisposable
{
    readonly HttpClient _http = new() { BaseAddress = apiUrl, Timeout = TimeSpan.FromSeconds(30) };

    public string AccessToken { get; private set; } = "";

    public Guid UserId { get; private set; }

    public string RefreshToken { get; private set; } = "";

    /// <summary>The <c>user</c> object of the latest register, login or refresh answer.</summary>
    public JsonNode? User { get; private set; }

    public async Task RegisterAsync(string? email = null)
    {
        var unique = Guid.NewGuid().ToString("N")[..10];
        var data = await SendAsync(HttpMethod.Post, "/api/v1/auth/register", new
        {
            email = email ?? $"walker-{unique}@example.test",
            password = "correct horse battery",
            username = $"walker_{unique}",
            name = "Walker",
        }, HttpStatusCode.Created);
        UseSession(data);
    }

    /// <summary>Redeems the current refresh token and uses the new pair.</summary>
    public async Task RefreshAsync() =>
        UseSession(await SendAsync(HttpMethod.Post, "/api/v1/auth/refresh", new { refreshToken = RefreshToken }, HttpStatusCode.OK));

    /// <summary>Sends with this client's current access token to another Api node.</summary>
    public ZonesClient On(Uri otherNode)
    {
        var client = new ZonesClient(otherNode);
        client.AccessToken = AccessToken;
        client.RefreshToken = RefreshToken;
        client.UserId = UserId;
        client._http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        return client;
    }

    void UseSession(JsonNode data)
    {
        AccessToken = data["accessToken"]!.GetValue<string>();
        RefreshToken = data["refreshToken"]!.GetValue<string>();
        User = data["user"]!.DeepClone();
        UserId = Guid.Parse(User["id"]!.GetValue<string>());
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
    }

    public async Task<Guid> CreateZoneAsync(object zone)
    {
        var data = await SendAsync(HttpMethod.Post, "/api/v1/zones", zone, HttpStatusCode.Created);
        return Guid.Parse(data["id"]!.GetValue<string>());
    }

    /// <summary>Posts pings; answers the <c>data</c> object (<c>accepted, ignored, events</c>).</summary>
    public Task<JsonNode> PostPingsAsync(params object[] pings) =>
        SendAsync(HttpMethod.Post, "/api/v1/locations", new { deviceId = "e2e-phone", pings }, HttpStatusCode.OK);

    /// <summary>Like <see cref="PostPingsAsync"/>, but keeps retrying while the cluster answers 503 (silos restarting).</summary>
    public async Task<JsonNode> PostPingsWhenAvailableAsync(TimeSpan timeout, params object[] pings)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.PostAsJsonAsync("/api/v1/locations", new { deviceId = "e2e-phone", pings });
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline)
            {
                continue; // the call outlived the client's timeout while the cluster re-formed: ask again
            }

            using var _ = response;
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return JsonNode.Parse(body)!["data"]!;
            }

            if (response.StatusCode != HttpStatusCode.ServiceUnavailable && response.StatusCode != HttpStatusCode.InternalServerError
                || DateTime.UtcNow > deadline)
            {
                throw new HttpRequestException($"POST /api/v1/locations answered {(int)response.StatusCode}: {body}");
            }

            await Task.Delay(500);
        }
    }

    public async Task<JsonArray> GetActivitiesAsync() =>
        (await SendAsync(HttpMethod.Get, "/api/v1/activities?limit=200", null, HttpStatusCode.OK)).AsArray();

    /// <summary>Posts any list of pings (any order, duplicates allowed); answers the <c>data</c> object.</summary>
    public Task<JsonNode> PostPingListAsync(IEnumerable<object> pings) =>
        SendAsync(HttpMethod.Post, "/api/v1/locations", new { deviceId = "e2e-phone", pings = pings.ToArray() }, HttpStatusCode.OK);

    /// <summary>GET /api/v1/activities with a query string such as <c>limit=200&amp;type=dwell</c>.</summary>
    public async Task<JsonArray> GetActivitiesAsync(string query) =>
        (await SendAsync(HttpMethod.Get, "/api/v1/activities?" + query, null, HttpStatusCode.OK)).AsArray();

    /// <summary>The <c>meta.total</c> of GET /api/v1/zones: how many zones the user has.</summary>
    public async Task<int> CountZonesAsync()
    {
        var (status, envelope) = await SendRawAsync(HttpMethod.Get, "/api/v1/zones?limit=1", null);
        Assert.True(status == HttpStatusCode.OK, $"GET /api/v1/zones answered {(int)status}: {envelope.ToJsonString()}");
        return envelope["meta"]!["total"]!.GetValue<int>();
    }

    /// <summary>PUTs a multipart/form-data upload with the bytes in a part named <c>file</c>.</summary>
    public async Task<(HttpStatusCode Status, JsonNode Envelope)> UploadAsync(string path, byte[] file, string fileName, string contentType)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(part, "file", fileName);
        using var response = await _http.PutAsync(path, form);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!);
    }

    /// <summary>GETs a URL (absolute, or relative to this node) as bytes, without a token.</summary>
    public async Task<(HttpStatusCode Status, string? ContentType, string? CacheControl, byte[] Content)> GetBytesAsync(string url)
    {
        using var anonymous = new HttpClient { BaseAddress = _http.BaseAddress, Timeout = _http.Timeout };
        using var response = await anonymous.GetAsync(url);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers.CacheControl?.ToString(),
            await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>Sends a request whatever it answers: the status and the whole envelope, for asserting on errors.</summary>
    public async Task<(HttpStatusCode Status, JsonNode Envelope)> SendRawAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!);
    }

    async Task<JsonNode> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}, expected {(int)expected}: {text}");
        }

        var envelope = JsonNode.Parse(text)!;
        Assert.True(envelope["success"]!.GetValue<bool>(), text);
        return envelope["data"]!;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Builds pings along a walk: times are recent past epoch ms, spaced so no move looks impossibly fast.</summary>
public static class Walk
{
    static readonly long Start = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeMilliseconds();

    public static object Ping(int minute, double latitude, double longitude) =>
        new { latitude, longitude, accuracy = 5.0, timestamp = Start + minute * 60_000L };

    public static IReadOnlyList<JsonNode> Events(JsonNode report) => report["events"]!.AsArray().Select(e => e!).ToList();

    public static string Describe(JsonNode e) => $"{e["type"]!.GetValue<string>()}:{e["zoneName"]!.GetValue<string>()}";
}
