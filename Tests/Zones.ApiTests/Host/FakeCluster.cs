using System.Collections.Concurrent;
using System.Reflection;
using Orleans;
using Orleans.Runtime;
using Zones.Accounts;
using Zones.Activities;
using Zones.Errors;
using Zones.Geofencing;
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
        }

        throw new NotSupportedException($"{targetMethod?.Name} is not faked");
    }
}

public sealed class FakeGrains
{
    private readonly ConcurrentDictionary<Guid, FakeUserGrain> _users = new();

    public FakeAccounts Accounts { get; } = new();

    public FakeHistory History { get; } = new();

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
}

public sealed class FakeUserGrain : IUserGrain
{
    private readonly List<Zone> _zones = [];

    public List<LocationBatch> Batches { get; } = [];

    public Task<LocationReport> ReportLocations(LocationBatch batch)
    {
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
