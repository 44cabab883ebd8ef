using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Zones.EndToEndTests;

/// <summary>A real Zones deployment on this machine: two Silo processes and one Api process started from
/// the build output, on a fresh PostgreSQL database and the test Redis. deploy/local/test.sh provides
/// the servers through ZONES_TEST_POSTGRES and ZONES_TEST_REDIS (a derived cluster may bring its own).</summary>
public class LocalCluster : IAsyncLifetime
{
    readonly string _runDirectory = Directory.CreateTempSubdirectory("zones-e2e-").FullName;
    readonly List<NodeProcess> _silos = [];
    readonly List<NodeProcess> _apis = [];
    readonly List<int> _ports = [];
    string _adminConnectionString = "";
    string _redis = "";
    string _signingKey = "";

    /// <summary>The silos make this account an admin (Auth:AdminEmails).</summary>
    public const string AdminEmail = "admin@zones-e2e.test";

    public string DatabaseName { get; } = "zones_e2e_" + Guid.NewGuid().ToString("N")[..12];

    public string DatabaseConnectionString { get; private set; } = "";

    public Uri ApiUrl { get; private set; } = new("http://127.0.0.1");

    /// <summary>How many silos <see cref="InitializeAsync"/> starts.</summary>
    protected virtual int InitialSilos => 2;

    /// <summary>The PostgreSQL superuser connection string and the Redis address the nodes use: the suite's
    /// shared servers, from deploy/local/test.sh.</summary>
    protected virtual Task<(string Postgres, string Redis)> ProvideServersAsync() => Task.FromResult((
        Environment.GetEnvironmentVariable("ZONES_TEST_POSTGRES")
            ?? throw new InvalidOperationException("ZONES_TEST_POSTGRES is not set: run the tests with deploy/local/test.sh"),
        Environment.GetEnvironmentVariable("ZONES_TEST_REDIS")
            ?? throw new InvalidOperationException("ZONES_TEST_REDIS is not set: run the tests with deploy/local/test.sh")));

    public async Task InitializeAsync()
    {
        (_adminConnectionString, _redis) = await ProvideServersAsync();
        _signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

        await using (var admin = new NpgsqlConnection(_adminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseName}", admin);
            await create.ExecuteNonQueryAsync();
        }

        DatabaseConnectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = DatabaseName }.ConnectionString;
        await StartSilosAsync(InitialSilos);
        ApiUrl = await StartApiAsync();
    }

    /// <summary>Starts one more Api node on a fresh port and waits until it is ready; answers its URL.</summary>
    public async Task<Uri> StartApiAsync()
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        _ports.Add(url.Port);
        var api = NodeProcess.Start(_apis.Count == 0 ? "api" : $"api{_apis.Count + 1}", url, Program("Api", "Zones.Api.dll"),
            _runDirectory, CommonEnvironment(new() { ["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/') }));
        _apis.Add(api);
        await api.WaitUntilReadyAsync(url, TimeSpan.FromSeconds(120));
        return url;
    }

    /// <summary>Starts silos until <paramref name="count"/> more run, each on fresh ports, and waits until each is ready.</summary>
    public async Task StartSilosAsync(int count)
    {
        var started = new List<(NodeProcess Process, Uri Url)>();
        for (var i = 0; i < count; i++)
        {
            var http = new Uri($"http://127.0.0.1:{FreePort()}");
            var name = $"silo{_silos.Count + 1}";
            var (siloPort, gatewayPort) = (FreePort(), FreePort());
            _ports.AddRange([http.Port, siloPort, gatewayPort]);
            OrleansPorts.AddRange([siloPort, gatewayPort]);
            var process = NodeProcess.Start(name, http, Program("Silo", "Zones.Silo.dll"), _runDirectory, CommonEnvironment(new()
            {
                ["ASPNETCORE_URLS"] = http.ToString().TrimEnd('/'),
                ["Orleans__SiloPort"] = siloPort.ToString(),
                ["Orleans__GatewayPort"] = gatewayPort.ToString(),
                ["Orleans__AdvertisedIP"] = "127.0.0.1",
            }));
            _silos.Add(process);
            started.Add((process, http));
        }

        foreach (var (process, url) in started)
        {
            await process.WaitUntilReadyAsync(url, TimeSpan.FromSeconds(120));
        }
    }

    /// <summary>Every TCP port a node of this deployment was told to listen on (HTTP, silo, gateway).</summary>
    public IReadOnlyList<int> NodePorts => _ports;

    /// <summary>The silo-to-silo and gateway ports of every silo started so far.</summary>
    public List<int> OrleansPorts { get; } = [];

    /// <summary>The HTTP endpoints (health, metrics) of the silos that run now.</summary>
    public IReadOnlyList<Uri> LiveSiloUrls => _silos.Where(s => s.IsRunning).Select(s => s.Url).ToList();

    /// <summary>Kills one silo (SIGKILL: no graceful shutdown, its connections reset), as a crash would.</summary>
    public void KillSilo(int index) => _silos[index].Kill();

    /// <summary>Sends a signal (STOP, CONT) to one silo's process.</summary>
    public void SignalSilo(int index, string signal) => _silos[index].Signal(signal);

    /// <summary>Whether a silo's process still runs.</summary>
    public bool SiloRuns(int index) => _silos[index].IsRunning;

    /// <summary>Kills every silo at once (no graceful shutdown), as a power cut would.</summary>
    public void KillAllSilos()
    {
        foreach (var silo in _silos)
        {
            silo.Kill();
        }
    }

    /// <summary>The logs of every node so far, for a failing assertion's message.</summary>
    public string Logs(int lastLines = 40) =>
        string.Join("\n", _silos.Concat(_apis).Select(p => p.Tail(lastLines)));

    public virtual async Task DisposeAsync()
    {
        foreach (var api in _apis)
        {
            api.Kill();
        }
        KillAllSilos();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {DatabaseName} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
        try
        {
            Directory.Delete(_runDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a log file may still be flushing.
        }
    }

    Dictionary<string, string> CommonEnvironment(Dictionary<string, string> specific)
    {
        specific["ConnectionStrings__Postgres"] = DatabaseConnectionString;
        specific["ConnectionStrings__Redis"] = _redis;
        specific["Orleans__ClusterId"] = DatabaseName;
        specific["Orleans__ServiceId"] = "zones-e2e";
        specific["Jwt__SigningKey"] = _signingKey;
        specific["Auth__AdminEmails__0"] = AdminEmail;
        // One directory for every Api node, as a shared volume would be: any node serves any image.
        specific["Images__Directory"] = Path.Combine(_runDirectory, "images");
        specific["ASPNETCORE_ENVIRONMENT"] = "Development";
        // Every test user registers from 127.0.0.1: more than one address may register in an hour in production.
        specific["RateLimits__RegistrationsPerIp__Limit"] = "10000";
        return specific;
    }

    static string Program(string project, string assembly)
    {
        var configuration = Environment.GetEnvironmentVariable("ZONES_BUILD_CONFIGURATION")
            ?? (typeof(LocalCluster).Assembly.Location.Contains("/Release/") ? "Release" : "Debug");
        var path = Path.Combine(RepositoryRoot(), project, "bin", configuration, "net10.0", assembly);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: build the solution ({configuration}) first", path);
    }

    protected internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Zones.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Zones.sln not found above " + AppContext.BaseDirectory);
    }

    protected static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One started program, its output captured to a file.</summary>
public sealed class NodeProcess
{
    readonly Process _process;
    readonly string _logPath;
    readonly StreamWriter _log;

    NodeProcess(string name, Uri url, Process process, string logPath, StreamWriter log)
    {
        Name = name;
        Url = url;
        _process = process;
        _logPath = logPath;
        _log = log;
    }

    public string Name { get; }

    /// <summary>The node's own HTTP endpoint.</summary>
    public Uri Url { get; }

    public bool IsRunning => !_process.HasExited;

    public static NodeProcess Start(string name, Uri url, string assembly, string runDirectory, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet", [assembly])
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var logPath = Path.Combine(runDirectory, name + ".log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(name, url, process, logPath, log);
    }

    static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public async Task WaitUntilReadyAsync(Uri baseUrl, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer yet";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready:\n{Tail(60)}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(baseUrl, "/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Refused while the node starts, or slow to answer while it joins a busy cluster: ask again.
                last = ex.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} was not ready at {baseUrl}health/ready within {timeout} (last: {last}):\n{Tail(60)}");
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString()]);
        kill.WaitForExit();
    }

    public string Tail(int lines)
    {
        lock (_log)
        {
            try
            {
                var all = File.ReadAllLines(_logPath);
                return $"--- {Name} (last {Math.Min(lines, all.Length)} lines) ---\n" + string.Join("\n", all.TakeLast(lines));
            }
            catch (IOException ex)
            {
                return $"--- {Name}: log unreadable: {ex.Message}";
            }
        }
    }
}
