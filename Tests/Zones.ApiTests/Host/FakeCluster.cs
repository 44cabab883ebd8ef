using System.Collections.Concurrent;
using System.Reflection;
using Orleans;
using Orleans.Runtime;
using Zones.Accounts;
using Zones.Activities;
using Zones.Errors;
using Zones.Geofencing;
using Zones.Nearby;
using Zones.Statistics;
using Zones.Users;

namespace Zones.ApiTests.Host;

/// <summary>An <see cref="IClusterClient"/> whose grains are in-memory fakes: enough behaviour for the Api's
/// edge (envelopes, auth, status codes), none of the geofencing, which the cluster tests own.</summary>
public class FakeCluster : DispatchProxy
{
    public FakeGrains Grains { get; set; } = new();

    public static IClusterClient Create(FakeGrains grains)
    {
        var client = Create<IClusterClient, FakeCluster>();
        ((FakeCluster)(object)client).Grains = grains;
        return client;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod is { Name: "GetGrain", IsGenericMethod: true })
        {
            var type = targetMethod.GetGenericArguments()[0];
            if (type == typeof(IAccountsGrain))
            {
                return Grains.Accounts;
            }

            if (type == typeof(IUserGrain))
            {
                return Grains.User((Guid)args![0]!);
            }

            if (type == typeof(IActivityHistoryGrain))
            {
                return Grains.History;
            }

            if (type == typeof(INearbyZonesGrain))
            {
                return Grains.Nearby;
            }

            if (type == typeof(IStatisticsGrain))
            {
                return Grains.Statistics;
            }
        }

        throw new NotSupportedException($"{targetMethod?.Name} is not faked");
    }
}

public sealed class FakeGrains
{
    private readonly ConcurrentDictionary<Guid, FakeUserGrain> _users = new();

    public FakeAccounts Accounts { get; } = new();

    public FakeHistory History { get; } = new();

    public FakeNearby Nearby { get; } = new();

    public FakeStatistics Statistics { get; } = new();

    public FakeUserGrain User(Guid id) => _users.GetOrAdd(id, _ => new FakeUserGrain());
}

public sealed class FakeAccounts : IAccountsGrain
{
    public const string UnavailableEmail = "down@example.com";
    public const string BuggyEmail = "bug@example.com";
    private readonly ConcurrentDictionary<string, (UserProfile User, string Password)> _byEmail = new();

    public Task<UserProfile> Register(Registration registration)
    {
        if (registration.Email == UnavailableEmail)
        {
            throw new SiloUnavailableException("silo went away");
        }

        if (registration.Email == BuggyEmail)
        {
            throw new InvalidOperationException("secret internal detail");
        }

        var user = new UserProfile(Guid.NewGuid(), registration.Email, registration.Username, registration.Name,
            null, null, null, null, 0, "user", 1_700_000_000_000, 1_700_000_000_000);
        if (_byEmail.Values.Any(u => u.User.Username == registration.Username) || !_byEmail.TryAdd(registration.Email, (user, registration.Password)))
        {
            throw new ConflictException("Email or username is already taken");
        }

        return Task.FromResult(user);
    }

    public Task<UserProfile?> Login(string email, string password) =>
        Task.FromResult(_byEmail.TryGetValue(email, out var entry) && entry.Password == password ? entry.User : null);

    public Task<UserProfile?> GetUser(Guid userId) =>
        Task.FromResult(_byEmail.Values.Select(v => v.User).FirstOrDefault(u => u.Id == userId));

    /// <summary>Refresh tokens: token -> (user, spent). Enough rotation for the edge's status codes.</summary>
    private readonly ConcurrentDictionary<string, (Guid UserId, bool Spent)> _sessions = new();

    /// <summary>Revocations handed out, as the real grain would list them to an Api node at start.</summary>
    public ConcurrentBag<AccessRevocation> Revocations { get; } = [];

    public Task<RefreshGrant> StartSession(Guid userId)
    {
        var token = Guid.NewGuid().ToString("N");
        _sessions[token] = (userId, false);
        return Task.FromResult(new RefreshGrant(token, 1_800_000_000_000));
    }

    public async Task<Session?> Refresh(string refreshToken)
    {
        if (!_sessions.TryGetValue(refreshToken, out var session) || session.Spent
            || await GetUser(session.UserId) is not { } user)
        {
            return null;
        }

        _sessions[refreshToken] = session with { Spent = true };
        return new Session(user, await StartSession(session.UserId));
    }

    public Task<AccessRevocation?> Logout(string refreshToken, bool allDevices)
    {
        if (!_sessions.TryRemove(refreshToken, out var session) || !allDevices)
        {
            return Task.FromResult<AccessRevocation?>(null);
        }

        var revocation = new AccessRevocation(session.UserId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Revocations.Add(revocation);
        return Task.FromResult<AccessRevocation?>(revocation);
    }

    public async Task<UserProfile?> UpdateProfile(Guid userId, ProfileChanges changes)
    {
        if (await GetUser(userId) is not { } user)
        {
            return null;
        }

        if (changes.Username is { } username && _byEmail.Values.Any(u => u.User.Id != userId && u.User.Username == username))
        {
            throw new ConflictException("That username is already taken.", [new ErrorDetail("username", "is already taken")]);
        }

        var changed = user with
        {
            Name = changes.Name ?? user.Name,
            Username = changes.Username ?? user.Username,
            Bio = changes.SetBio ? changes.Bio : user.Bio,
            Phone = changes.SetPhone ? changes.Phone : user.Phone,
            Gender = changes.SetGender ? changes.Gender : user.Gender,
        };
        _byEmail[user.Email] = (changed, _byEmail[user.Email].Password);
        return changed;
    }

    public async Task<ProfileImageChange?> SetProfileImage(Guid userId, string? imageUrl)
    {
        if (await GetUser(userId) is not { } user)
        {
            return null;
        }

        var changed = user with { ProfileImageUrl = imageUrl };
        _byEmail[user.Email] = (changed, _byEmail[user.Email].Password);
        return new ProfileImageChange(changed, user.ProfileImageUrl);
    }

    public async Task<AccessRevocation?> DeleteAccount(Guid userId)
    {
        if (await GetUser(userId) is not { } user || !_byEmail.TryRemove(user.Email, out _))
        {
            return null;
        }

        var revocation = new AccessRevocation(userId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Revocations.Add(revocation);
        return revocation;
    }

    public Task<IReadOnlyList<AccessRevocation>> RecentRevocations(long since) =>
        Task.FromResult<IReadOnlyList<AccessRevocation>>(Revocations.Where(r => r.RevokedBefore >= since).ToList());

    /// <summary>Makes the account an admin, as Auth:AdminEmails does at login.</summary>
    public void MakeAdmin(string email) => _byEmail[email] = (_byEmail[email].User with { Role = "admin" }, _byEmail[email].Password);
}

public sealed class FakeNearby : INearbyZonesGrain
{
    public (Guid UserId, NearbyQuery Query)? LastQuery { get; private set; }

    public Task<IReadOnlyList<NearbyZone>> Find(Guid userId, NearbyQuery query)
    {
        LastQuery = (userId, query);
        return Task.FromResult<IReadOnlyList<NearbyZone>>([]);
    }
}

public sealed class FakeStatistics : IStatisticsGrain
{
    public Task<UserStatistics> ForUser(Guid userId, int days) =>
        Task.FromResult(new UserStatistics(1, 2, 3, [new DayActivity("2026-12-02", 1, 1, 0)], []));

    public Task<ServiceOverview> Overview() =>
        Task.FromResult(new ServiceOverview(10, 4, 20, [], [], 7));
}

public sealed class FakeUserGrain : IUserGrain
{
    private readonly List<Zone> _zones = [];

    public List<LocationBatch> Batches { get; } = [];

    /// <summary>How many of the next calls get no answer, as when their silo is killed: they end only when the
    /// caller cancels them.</summary>
    public int LostAnswers { get; set; }

    /// <summary>Calls that got no answer, each with when it was sent.</summary>
    public List<long> Lost { get; } = [];

    public Task<LocationReport> ReportLocations(LocationBatch batch, CancellationToken cancellationToken = default)
    {
        if (LostAnswers > 0)
        {
            LostAnswers--;
            Lost.Add(Environment.TickCount64);
            return Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith<LocationReport>(
                _ => throw new OperationCanceledException(cancellationToken), TaskScheduler.Default);
        }

        Batches.Add(batch);
        var events = _zones.Take(1).Select(z => new ZoneEvent(Guid.NewGuid(), z.Id, z.Definition.Title, ActivityTypes.Enter,
            batch.Pings[0].Timestamp, batch.Pings[0].Latitude, batch.Pings[0].Longitude, z.Definition.Icon, z.Definition.NotificationText)).ToList();
        return Task.FromResult(new LocationReport(batch.Pings.Count, 0, events));
    }

    public Task<Zone> CreateZone(ZoneDefinition definition)
    {
        var zone = new Zone(Guid.NewGuid(), Guid.Empty, definition, null, 1, 1);
        _zones.Insert(0, zone);
        return Task.FromResult(zone);
    }

    public Task<Zone?> GetZone(Guid zoneId) => Task.FromResult(_zones.FirstOrDefault(z => z.Id == zoneId));

    public Task<ZonePage> ListZones(int page, int limit) =>
        Task.FromResult(new ZonePage(_zones.Skip((page - 1) * limit).Take(limit).ToList(), _zones.Count));

    public Task<Zone?> UpdateZone(Guid zoneId, ZoneDefinition definition)
    {
        var index = _zones.FindIndex(z => z.Id == zoneId);
        if (index < 0)
        {
            return Task.FromResult<Zone?>(null);
        }

        _zones[index] = _zones[index] with { Definition = definition, UpdatedAt = 2 };
        return Task.FromResult<Zone?>(_zones[index]);
    }

    public Task<ZoneImageChange?> SetZoneImage(Guid zoneId, string? imageUrl)
    {
        var index = _zones.FindIndex(z => z.Id == zoneId);
        if (index < 0)
        {
            return Task.FromResult<ZoneImageChange?>(null);
        }

        var previous = _zones[index].ImageUrl;
        _zones[index] = _zones[index] with { ImageUrl = imageUrl, UpdatedAt = 3 };
        return Task.FromResult<ZoneImageChange?>(new ZoneImageChange(_zones[index], previous));
    }

    public Task<bool> DeleteZone(Guid zoneId) => Task.FromResult(_zones.RemoveAll(z => z.Id == zoneId) > 0);

    public Task<PresenceSnapshot> GetPresence() => Task.FromResult(new PresenceSnapshot([], 0));
}

public sealed class FakeHistory : IActivityHistoryGrain
{
    public ActivityQuery? LastQuery { get; private set; }

    public Task<ActivityPage> Query(Guid userId, ActivityQuery query)
    {
        LastQuery = query;
        return Task.FromResult(new ActivityPage([], "next-1"));
    }
}
