using Microsoft.AspNetCore.SignalR;
using Zones.Api.Infrastructure;
using Zones.Api.Limits;
using Zones.Realtime;
using Zones.ServiceDefaults;

namespace Zones.Api.Realtime;

public static class RealtimeExtensions
{
    /// <summary>The channel prefix the silos publish under; both sides must agree on it and on the hub type.</summary>
    public const string ChannelPrefix = ZonesHub.RedisChannelPrefix;

    /// <summary>The hub and its handler. A hub message may carry a full batch of 1,000 pings.</summary>
    public static WebApplicationBuilder AddZonesRealtime(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR(o =>
            {
                o.MaximumReceiveMessageSize = JsonBody.MaxBytes;
                // Only HubException text (our "CODE: message (details)") reaches clients, in every environment;
                // detailed errors would also send the text of unexpected server-side exceptions.
                o.EnableDetailedErrors = false;
                o.AddFilter<HubConnectionMetrics>();
            })
            .AddJsonProtocol(o => ZonesJson.Apply(o.PayloadSerializerOptions))
            // Offered next to JSON: a compact binary protocol for devices that stream pings all day.
            .AddMessagePackProtocol();
        builder.Services.AddSingleton<IUserIdProvider, SubjectUserIdProvider>();
        builder.Services.AddSingleton<IZonesHubHandler, ZonesHubHandler>();
        return builder;
    }

    /// <summary>The Redis backplane, so that an event the silo publishes reaches the user's connections on
    /// every Api node. Without <c>ConnectionStrings:Redis</c> (a single-node test host) the hub is local only.</summary>
    public static WebApplicationBuilder AddZonesBackplane(this WebApplicationBuilder builder)
    {
        var redis = builder.Configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            builder.Services.AddSignalR().AddZonesRedisBackplane(redis, ChannelPrefix);
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapZonesRealtime(this IEndpointRouteBuilder app)
    {
        // A connection lives no longer than the access token it was opened with; the client reconnects
        // with a fresh one.
        // Ingestion: with a valid token, the negotiate and connect requests skip the general per-IP limit (one
        // address may carry many devices); the hub's methods count against the caller's ingestion bucket.
        app.MapHub<ZonesHub>(ZonesHub.Path, o => o.CloseOnAuthenticationExpiration = true)
            .WithMetadata(IngestionEndpoint.Instance);
        return app;
    }
}
