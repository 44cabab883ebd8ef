using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Zones.Bench;

/// <summary>A seeded user: who it is, its zones, and its current access token.</summary>
public sealed class BenchUser(int index, SavedUser saved)
{
    public int Index { get; } = index;
    public SavedUser Saved { get; set; } = saved;
    public string AccessToken { get; set; } = string.Empty;
    public Dictionary<Guid, int> ZoneIndex { get; } = saved.Zones.Select((z, i) => (z.Id, i)).ToDictionary(x => x.Id, x => x.i);
}

/// <summary>Registers users and their zones through the API (in parallel), or reuses those of a users file.</summary>
public sealed class Seeder(BenchOptions options) : IDisposable
{
    private const double CityLatitude = 52.52;
    private const double CityLongitude = 13.405;
    private const double ZoneRadius = 200;

    private readonly HttpClient http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 64,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
    })
    { BaseAddress = new Uri(options.Api, "/api/v1/"), Timeout = TimeSpan.FromSeconds(60) };

    private volatile bool refreshWorks = true;
    private FileStream? runLock;
    private long savedClock;

    public DateTime TokensAt { get; private set; }

    /// <summary>The users of this run and the device clock to start at (past everything the server has seen).</summary>
    public async Task<(BenchUser[] Users, long Clock)> LoadOrSeedAsync()
    {
        var file = options.UsersFile;
        // Two runs on one users file would move each other's device clocks and presence: the second one waits
        // for nothing and stops at once.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        try
        {
            runLock = new FileStream(file + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new BenchException($"another bench run is using {file} (its .lock is held); wait for it to finish");
        }

        if (!options.Reseed && File.Exists(file))
        {
            var saved = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(file), WireJson.Default.UsersFile);
            if (saved is not null && saved.Users.Length >= options.Users && saved.Users.All(u => u.Zones.Length == options.Zones)
                && saved.Api == options.Api.ToString())
            {
                // Forward into the Api's ping age horizon if the saved clock fell behind it: a jump ahead is harmless
                // (the walk slows down), a ping older than Limits:MaxPingAge would be refused.
                var clock = Math.Max(saved.Clock + 3_600_000, FirstTimestamp());
                if (clock < DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds())
                {
                    var users = saved.Users.Take(options.Users).Select((u, i) => new BenchUser(i, u)).ToArray();
                    Console.WriteLine($"users: reusing {users.Length} users of {file}; "
                        + (options.JwtKey is null ? "logging them in ..." : "access tokens signed with the deployment's key"));
                    await RefreshTokensAsync(users);
                    await SaveAsync(users, clock);
                    return (users, clock);
                }

                Console.WriteLine($"users: the clock of {file} has caught up with now; registering new users");
            }
            else
            {
                Console.WriteLine($"users: {file} does not fit this run (api, --users, --zones); registering new users");
            }
        }

        return await SeedAsync();
    }

    private async Task<(BenchUser[] Users, long Clock)> SeedAsync()
    {
        var run = RandomNumberGenerator.GetHexString(8, lowercase: true);
        var random = new Random();
        var plans = Enumerable.Range(0, options.Users).Select(_ => Plan(random)).ToArray();
        var users = new BenchUser[options.Users];
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"users: registering {options.Users} users with {options.Zones} zones each ({options.SeedParallelism} in parallel) ...");
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Users),
            new ParallelOptions { MaxDegreeOfParallelism = options.SeedParallelism }, async (i, ct) =>
            {
                var email = $"bench-{run}-{i}@example.com";
                var password = "pw-" + RandomNumberGenerator.GetHexString(16);
                var tokens = await PostAsync("auth/register",
                    JsonSerializer.SerializeToUtf8Bytes(new RegisterBody(email, password, $"bench_{run}_{i}", $"Bench {i}"), WireJson.Default.RegisterBody),
                    null, WireJson.Default.EnvelopeTokens, HttpStatusCode.Created, ct);
                var (homeLat, homeLon, centres) = plans[i];
                var zones = new BenchZone[centres.Length];
                for (var z = 0; z < centres.Length; z++)
                {
                    var body = new ZoneBody($"Bench {z}", centres[z].Lat, centres[z].Lon, ZoneRadius, "both");
                    var created = await PostAsync("zones", JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.ZoneBody),
                        tokens.AccessToken, WireJson.Default.EnvelopeId, HttpStatusCode.Created, ct);
                    zones[z] = new BenchZone(created.Id, centres[z].Lat, centres[z].Lon, ZoneRadius);
                }

                users[i] = new BenchUser(i, new SavedUser(email, password, tokens.User?.Id ?? Guid.Empty, tokens.RefreshToken, homeLat, homeLon, zones))
                {
                    AccessToken = tokens.AccessToken!,
                };
            });
        TokensAt = DateTime.UtcNow;
        Console.WriteLine($"users: {options.Users} users and {options.Users * options.Zones} zones in {clock.Elapsed.TotalSeconds:F1} s");
        var start = FirstTimestamp();
        await SaveAsync(users, start);
        return (users, start);
    }

    /// <summary>Zone 0 is home (the walk crosses it); the others lie 1-3 km away, where the walk never reaches.</summary>
    private (double Lat, double Lon, (double Lat, double Lon)[] Centres) Plan(Random random)
    {
        var (homeLat, homeLon) = Polar(CityLatitude, CityLongitude, random.NextDouble() * 8_000, random);
        var centres = new (double Lat, double Lon)[options.Zones];
        centres[0] = (homeLat, homeLon);
        for (var z = 1; z < centres.Length; z++)
        {
            centres[z] = Polar(homeLat, homeLon, 1_000 + (random.NextDouble() * 2_000), random);
        }

        return (homeLat, homeLon, centres);

        static (double, double) Polar(double lat, double lon, double distance, Random random)
        {
            var bearing = random.NextDouble() * 2 * Math.PI;
            var (a, b) = Geometry.Offset(lat, lon, distance * Math.Cos(bearing), distance * Math.Sin(bearing));
            return (Math.Round(a, 7), Math.Round(b, 7));
        }
    }

    /// <summary>New access tokens for everyone (refresh; a login when the refresh token no longer works).</summary>
    public async Task RefreshTokensAsync(BenchUser[] users)
    {
        if (options.JwtKey is { } key)
        {
            foreach (var user in users)
            {
                user.AccessToken = Tokens.Mint(key, options.JwtIssuer, options.JwtAudience, user.Saved.Id, user.Saved.Email, TimeSpan.FromMinutes(15));
            }

            TokensAt = DateTime.UtcNow;
            return;
        }

        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = options.SeedParallelism }, async (user, ct) =>
        {
            TokensData? tokens = null;
            if (user.Saved.RefreshToken is { } refresh && refreshWorks)
            {
                try
                {
                    tokens = await PostAsync("auth/refresh", JsonSerializer.SerializeToUtf8Bytes(new RefreshBody(refresh), WireJson.Default.RefreshBody),
                        null, WireJson.Default.EnvelopeTokens, HttpStatusCode.OK, ct);
                }
                catch (BenchException e)
                {
                    // A server without POST /auth/refresh: log in, and stop asking.
                    refreshWorks &= !e.Message.Contains("HTTP 404", StringComparison.Ordinal);
                    tokens = null;
                }
            }

            tokens ??= await PostAsync("auth/login",
                JsonSerializer.SerializeToUtf8Bytes(new LoginBody(user.Saved.Email, user.Saved.Password), WireJson.Default.LoginBody),
                null, WireJson.Default.EnvelopeTokens, HttpStatusCode.OK, ct);
            user.AccessToken = tokens.AccessToken!;
            user.Saved = user.Saved with { RefreshToken = tokens.RefreshToken };
        });
        TokensAt = DateTime.UtcNow;
    }

    /// <summary>Where a new clock starts: 6 days back, inside the Api's default ping age bound (Limits:MaxPingAge, 7
    /// days), leaving 5 days of device time (until a day before now) for the runs that reuse the users.</summary>
    private static long FirstTimestamp() => DateTimeOffset.UtcNow.AddDays(-6).ToUnixTimeMilliseconds();

    public async Task SaveAsync(BenchUser[] users, long clock)
    {
        // Never backwards: the server has seen every timestamp up to the highest clock saved.
        clock = savedClock = Math.Max(clock, savedClock);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.UsersFile))!);
        var tmp = options.UsersFile + ".tmp";
        await File.WriteAllBytesAsync(tmp, JsonSerializer.SerializeToUtf8Bytes(
            new UsersFile(options.Api.ToString(), clock, users.Select(u => u.Saved).ToArray()), WireJson.Default.UsersFile));
        File.Move(tmp, options.UsersFile, overwrite: true);
    }

    /// <summary>One ping for a user outside the load (the reset fix), checked for a 200.</summary>
    public async Task PostPingAsync(BenchUser user, WirePing ping, CancellationToken ct)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        PingJson.Write(buffer, null, [ping]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "locations") { Content = new ByteArrayContent(buffer.WrittenSpan.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new BenchException($"reset ping: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    private async Task<T> PostAsync<T>(string path, byte[] body, string? token,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<Envelope<T>> type, HttpStatusCode expected, CancellationToken ct)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.StatusCode != expected)
        {
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            throw new BenchException($"POST /api/v1/{path}: HTTP {(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}");
        }

        return JsonSerializer.Deserialize(bytes, type)?.Data ?? throw new BenchException($"POST /api/v1/{path}: no data in the answer");
    }

    public void Dispose()
    {
        http.Dispose();
        runLock?.Dispose();
    }
}

/// <summary>A failure the run reports in one line and stops on.</summary>
public sealed class BenchException(string message) : Exception(message);
