using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Zones.ServiceDefaults;

/// <summary>The SignalR Redis backplane as both node types use it (silos publish, Api nodes deliver).</summary>
public static class Backplane
{
    /// <summary>Adds the backplane on <paramref name="redis"/> under <paramref name="channelPrefix"/>, set up to
    /// ride out a Redis outage: it does not fail for good when Redis is down at start, it keeps reconnecting in
    /// the background (subscriptions are restored when Redis returns), and while it is disconnected a publish
    /// fails at once instead of queueing in the client's backlog, so an outage buffers nothing.</summary>
    public static ISignalRServerBuilder AddZonesRedisBackplane(this ISignalRServerBuilder signalR, string redis, string channelPrefix) =>
        signalR.AddStackExchangeRedis(redis, o =>
        {
            o.Configuration.ChannelPrefix = RedisChannel.Literal(channelPrefix);
            o.Configuration.AbortOnConnectFail = false;
            o.Configuration.BacklogPolicy = BacklogPolicy.FailFast;
            // Reconnect attempts at most 2 s apart, so delivery resumes within seconds of Redis' return.
            o.Configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 2000);
        });
}
