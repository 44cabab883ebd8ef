using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Zones.Accounts;

namespace Zones.Api.Auth;

/// <summary>Which users' access tokens are void up to some instant (account deleted, logged out everywhere), held
/// in memory so the bearer check costs a dictionary lookup and no call. Entries older than an access token's
/// lifetime can no longer match a valid token and are dropped.</summary>
public sealed class AccessTokenRevocations(IOptions<JwtOptions> jwt, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, long> _revokedBefore = new();

    public int Count => _revokedBefore.Count;

    /// <summary>How far back a revocation can still matter: the token lifetime plus the clock skew allowed.</summary>
    public TimeSpan Horizon => TimeSpan.FromMinutes(jwt.Value.AccessTokenMinutes) + TokenService.ClockSkew + TimeSpan.FromMinutes(1);

    /// <summary>Raised on this node after each revocation is applied (its own, or one learned from another node), so
    /// what already runs on a revoked token (an open hub connection) can be closed too.</summary>
    public event Action<AccessRevocation>? Applied;

    public void Apply(AccessRevocation revocation)
    {
        _revokedBefore.AddOrUpdate(revocation.UserId, revocation.RevokedBefore, (_, known) => Math.Max(known, revocation.RevokedBefore));
        Applied?.Invoke(revocation);
    }

    /// <summary>Whether a token of <paramref name="userId"/> issued at <paramref name="issuedAtSeconds"/> (the JWT
    /// <c>iat</c>, whole seconds) is void. <c>iat</c> has no milliseconds, so a token issued in the same second as the
    /// revocation is void too: the client logs in again.</summary>
    public bool IsRevoked(Guid userId, long issuedAtSeconds) =>
        _revokedBefore.TryGetValue(userId, out var before) && issuedAtSeconds <= before / 1000;

    public void Prune()
    {
        var oldest = time.GetUtcNow().Add(-Horizon).ToUnixTimeMilliseconds();
        foreach (var (userId, before) in _revokedBefore)
        {
            if (before < oldest)
            {
                _revokedBefore.TryRemove(new KeyValuePair<Guid, long>(userId, before));
            }
        }
    }

    internal static string Encode(AccessRevocation revocation) =>
        $"{revocation.UserId:D} {revocation.RevokedBefore.ToString(CultureInfo.InvariantCulture)}";

    internal static AccessRevocation? Decode(string? message)
    {
        var parts = message?.Split(' ');
        return parts is [var user, var before]
               && Guid.TryParse(user, out var userId)
               && long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var revokedBefore)
            ? new AccessRevocation(userId, revokedBefore)
            : null;
    }
}

/// <summary>Keeps every Api node's <see cref="AccessTokenRevocations"/> current: a node that revokes publishes on
/// Redis (the nodes already share it for the SignalR backplane), every node subscribes, and each re-reads the
/// recent revocations from the cluster at start and then every <see cref="ResyncPeriod"/>, which also covers a
/// message lost while Redis was unreachable (pub/sub is at most once).</summary>
public sealed partial class RevocationSync(
    AccessTokenRevocations revocations, IClusterClient cluster, IConfiguration configuration, TimeProvider time,
    ILogger<RevocationSync> logger) : BackgroundService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("zones:access-revocations");
    public static readonly TimeSpan ResyncPeriod = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan StartRetryPeriod = TimeSpan.FromSeconds(2);

    private ConnectionMultiplexer? _redis;

    /// <summary>Revokes on this node at once and tells the others. A failed publish is logged: the others still
    /// catch up at their next resync.</summary>
    public async Task PublishAsync(AccessRevocation revocation)
    {
        revocations.Apply(revocation);
        if (_redis is null)
        {
            return;
        }

        try
        {
            await _redis.GetSubscriber().PublishAsync(Channel, AccessTokenRevocations.Encode(revocation));
        }
        catch (RedisException ex)
        {
            PublishFailed(logger, revocation.UserId, ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SubscribeAsync();
        // Until the first load succeeds (the cluster may come up after this node), try again every two seconds.
        while (!await ResyncAsync(stoppingToken))
        {
            await Task.Delay(StartRetryPeriod, time, stoppingToken);
        }

        using var timer = new PeriodicTimer(ResyncPeriod, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await ResyncAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private async Task SubscribeAsync()
    {
        var connectionString = configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        try
        {
            var options = ConfigurationOptions.Parse(connectionString);
            options.AbortOnConnectFail = false; // keeps reconnecting; the resync covers the gap
            _redis = await ConnectionMultiplexer.ConnectAsync(options);
            await _redis.GetSubscriber().SubscribeAsync(Channel, (_, message) =>
            {
                if (AccessTokenRevocations.Decode(message) is { } revocation)
                {
                    revocations.Apply(revocation);
                }
            });
        }
        catch (RedisException ex)
        {
            SubscribeFailed(logger, ex.Message);
        }
    }

    private async Task<bool> ResyncAsync(CancellationToken stoppingToken)
    {
        try
        {
            var since = time.GetUtcNow().Add(-revocations.Horizon).ToUnixTimeMilliseconds();
            foreach (var revocation in await cluster.GetGrain<IAccountsGrain>(0).RecentRevocations(since).WaitAsync(stoppingToken))
            {
                revocations.Apply(revocation);
            }

            revocations.Prune();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ResyncFailed(logger, ex.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the access-token revocation of {UserId}: {Reason}")]
    private static partial void PublishFailed(ILogger logger, Guid userId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to access-token revocations on Redis: {Reason}")]
    private static partial void SubscribeFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load recent access-token revocations: {Reason}")]
    private static partial void ResyncFailed(ILogger logger, string reason);
}
