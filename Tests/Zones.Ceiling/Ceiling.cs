using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.SignalR;

namespace Zones.Ceiling;

/// <summary>POST /api/v1/locations and the hub's two device methods, with no work behind them: the body is
/// parsed (source-generated System.Text.Json), the pings counted, the v1 envelope returned. Auth is only the
/// presence of a bearer token, so the figure is the cost floor of any ping endpoint, not a product.</summary>
public static class CeilingApp
{
    public static WebApplicationBuilder AddCeiling(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, CeilingJson.Default));
        builder.Services.AddSignalR().AddJsonProtocol().AddMessagePackProtocol();
        return builder;
    }

    public static WebApplication MapCeiling(this WebApplication app)
    {
        app.MapGet("/health/ready", () => "ok");
        app.MapPost("/api/v1/locations", ReportLocations);
        // The hub checks only that a token came, as the header or (WebSockets) the access_token query parameter.
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/hubs/zones") && !HasToken(context.Request))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await next(context);
        });
        app.MapHub<CeilingHub>("/hubs/zones");
        return app;
    }

    private static IResult ReportLocations(HttpRequest request, PingBatch batch) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
            ? TypedResults.Ok(new Answer(true, new Report(batch.Pings?.Length ?? 0, 0, [])))
            : TypedResults.Unauthorized();

    private static bool HasToken(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
        || request.Query.ContainsKey("access_token");
}

/// <summary>The hub counterpart: SendLocations answers like Zones' hub (no envelope); StreamLocations reads and drops.</summary>
public sealed class CeilingHub : Hub
{
    public Report SendLocations(PingBatch request) => new(request.Pings?.Length ?? 0, 0, []);

    public async Task StreamLocations(IAsyncEnumerable<Ping> pings)
    {
        await foreach (var _ in pings)
        {
        }
    }
}

// DataMember names make the MessagePack keys camelCase, like the JSON ones.
[DataContract]
public sealed record Ping(
    [property: DataMember(Name = "latitude")] double Latitude,
    [property: DataMember(Name = "longitude")] double Longitude,
    [property: DataMember(Name = "accuracy")] double? Accuracy,
    [property: DataMember(Name = "timestamp")] long Timestamp);

[DataContract]
public sealed record PingBatch(
    [property: DataMember(Name = "deviceId")] string? DeviceId,
    [property: DataMember(Name = "pings")] Ping[]? Pings);

[DataContract]
public sealed record Report(
    [property: DataMember(Name = "accepted")] int Accepted,
    [property: DataMember(Name = "ignored")] int Ignored,
    [property: DataMember(Name = "events")] object[] Events);

[DataContract]
public sealed record Answer(
    [property: DataMember(Name = "success")] bool Success,
    [property: DataMember(Name = "data")] Report Data);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PingBatch))]
[JsonSerializable(typeof(Answer))]
internal sealed partial class CeilingJson : JsonSerializerContext;
