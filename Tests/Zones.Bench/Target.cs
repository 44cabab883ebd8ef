using System.Net;

namespace Zones.Bench;

/// <summary>One user's phone as seen by one target: its walk, whether a request of it is in flight, the request
/// prefix carrying its token, the transitions it should have caused, and whether a failed request left the
/// server's view of it unknown.</summary>
public sealed class Track(Walker walker)
{
    public Walker Walker { get; } = walker;
    public byte[] Prefix { get; set; } = [];
    public List<Transition> Expected { get; } = [];
    public int Busy;
    public volatile bool Uncertain;
}

/// <summary>A server under load: Zones (which evaluates, so its answers and events are checked) or the ceiling.</summary>
public sealed class Target
{
    private readonly Track[] tracks;
    private int cursor;

    public Target(string name, Uri url, BenchUser[] users, bool evaluates, long clock)
    {
        Name = name;
        Url = url;
        Evaluates = evaluates;
        var address = url.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(url.Host.Trim('[', ']'));
        Endpoint = new IPEndPoint(address, url.Port);
        tracks = users.Select(u =>
        {
            var walker = new Walker(u.Saved.Zones, u.Saved.HomeLatitude, u.Saved.HomeLongitude);
            walker.Reset(clock);
            return new Track(walker);
        }).ToArray();
        Users = users;
        RebuildPrefixes();
    }

    public string Name { get; }
    public Uri Url { get; }
    public IPEndPoint Endpoint { get; }
    public bool Evaluates { get; }
    public BenchUser[] Users { get; }
    public IReadOnlyList<Track> Tracks => tracks;

    /// <summary>Pids measured for this target's phases besides the generator's (set by the runner).</summary>
    public List<(string Name, int Pid)> Processes { get; } = [];

    public void RebuildPrefixes()
    {
        for (var i = 0; i < tracks.Length; i++)
        {
            tracks[i].Prefix = RawHttpConnection.RequestPrefix(Endpoint, "/api/v1/locations", Users[i].AccessToken);
        }
    }

    /// <summary>A user with no request in flight, round robin: one user's requests never overlap, so the server
    /// sees its pings in order (an overlap would make it ignore the older ones).</summary>
    public async ValueTask<int> AcquireAsync()
    {
        var spins = 0;
        while (true)
        {
            var i = (int)((uint)Interlocked.Increment(ref cursor) % (uint)tracks.Length);
            if (Interlocked.CompareExchange(ref tracks[i].Busy, 1, 0) == 0)
            {
                return i;
            }

            if (++spins % tracks.Length == 0)
            {
                await Task.Yield();
            }
        }
    }

    public void Release(int user) => Volatile.Write(ref tracks[user].Busy, 0);

    /// <summary>Past every timestamp sent: where the next run's clock may start.</summary>
    public long Clock => tracks.Length == 0 ? 0 : tracks.Max(t => t.Walker.Timestamp) + 1_000;
}
