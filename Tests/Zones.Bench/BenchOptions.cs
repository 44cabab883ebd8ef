using System.Globalization;
using System.Net;

namespace Zones.Bench;

/// <summary>The load shapes: what one "send" is and what its rate counts.</summary>
public enum Mode
{
    /// <summary>POST /api/v1/locations with one ping; rate in requests/s.</summary>
    Single,

    /// <summary>POST /api/v1/locations with --batch pings; rate in requests/s.</summary>
    Batch,

    /// <summary>Each device streams its pings to the hub's StreamLocations; rate in pings/s.</summary>
    Stream,

    /// <summary>Each device invokes the hub's SendLocations with one ping; rate in calls/s.</summary>
    Send,
}

/// <summary>Command-line settings (see deploy/local/bench.sh for the documented list).</summary>
public sealed record BenchOptions
{
    public const string Usage = """
        usage: Zones.Bench --api http://127.0.0.1:PORT [options]
          --users 500 --zones 10          seeded users and circle zones per user
          --users-file PATH               reuse seeded users (default .local/bench/users.json); --reseed registers new ones
          --modes single,batch,stream     any of single, batch, stream, send
          --targets zones,ceiling         which servers to measure
          --batch 50                      pings per request in batch mode
          --rate R                        one fixed rate per mode instead of the step search
          --start-rate R --step-factor 1.5 --max-steps 12 --max-rate 400000
          --warmup 3 --step-seconds 10 --measure-seconds 20
          --p99-bound-ms 10               a step is held with p99 <= this and no errors
          --event-p99-bound-ms 25         stream mode: p99 ping -> zoneEvent bound
          --connections 64                HTTP connections (and concurrent hub calls)
          --listeners 50                  users whose zoneEvents are timed and checked on the hub
          --hub-protocol json|messagepack
          --ceiling-dll PATH | --ceiling-url URL | --no-ceiling
          --wrk                           also measure closed-model throughput with wrk (single, batch), last
          --process NAME=PID              (repeatable) processes whose CPU and memory are reported
          --pg CONNSTRING                 (or ZONES_BENCH_PG) PostgreSQL, to check stored activities
        environment: ZONES_BENCH_JWT_KEY (+ _ISSUER, _AUDIENCE): sign reused users' access tokens instead of logging in
          --out DIR                       report folder (default .local/bench/<timestamp>)
        """;

    public required Uri Api { get; init; }
    public int Users { get; init; } = 500;
    public int Zones { get; init; } = 10;
    public string UsersFile { get; init; } = ".local/bench/users.json";
    public bool Reseed { get; init; }
    public bool Wrk { get; init; }
    public IReadOnlyList<Mode> Modes { get; init; } = [Mode.Single, Mode.Batch, Mode.Stream];
    public int Batch { get; init; } = 50;
    public IReadOnlyList<string> Targets { get; init; } = ["zones", "ceiling"];
    public double? FixedRate { get; init; }
    public double? StartRate { get; init; }
    public double StepFactor { get; init; } = 1.5;
    public int MaxSteps { get; init; } = 12;
    public double MaxRate { get; init; } = 400_000;
    public double WarmupSeconds { get; init; } = 3;
    public double StepSeconds { get; init; } = 10;
    public double MeasureSeconds { get; init; } = 20;
    public double P99BoundMs { get; init; } = 10;
    public double EventP99BoundMs { get; init; } = 25;
    public int Connections { get; init; } = 64;
    public int Listeners { get; init; } = 50;
    public bool MessagePack { get; init; }
    public string? CeilingDll { get; init; }
    public Uri? CeilingUrl { get; init; }
    public IReadOnlyList<(string Name, int Pid)> Processes { get; init; } = [];
    public string? Postgres { get; init; }
    public string? JwtKey { get; init; }
    public string JwtIssuer { get; init; } = "zones";
    public string JwtAudience { get; init; } = "zones-clients";
    public string Out { get; init; } = Path.Combine(".local", "bench", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    public int SeedParallelism { get; init; } = 32;
    public double TimeoutSeconds { get; init; } = 10;

    public double StartRateFor(Mode mode) => StartRate ?? mode switch
    {
        Mode.Single => 1_000,
        Mode.Batch => 100,
        Mode.Stream => 2_000,
        _ => 500,
    };

    public int PingsPerSend(Mode mode) => mode == Mode.Batch ? Batch : 1;

    public static string Unit(Mode mode) => mode switch
    {
        Mode.Stream => "pings/s",
        Mode.Send => "calls/s",
        _ => "req/s",
    };

    public static BenchOptions Parse(string[] args)
    {
        var values = new List<(string Key, string Value)>();
        var flags = new HashSet<string>(StringComparer.Ordinal);
        string[] flagNames = ["reseed", "no-ceiling", "wrk"];
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new BenchException($"unexpected argument '{args[i]}'");
            }

            var key = args[i][2..];
            if (flagNames.Contains(key))
            {
                flags.Add(key);
            }
            else if (i + 1 < args.Length)
            {
                values.Add((key, args[++i]));
            }
            else
            {
                throw new BenchException($"--{key} needs a value");
            }
        }

        string? Get(string key) => values.LastOrDefault(v => v.Key == key).Value;
        double Num(string key, double fallback, double min, double max)
        {
            var text = Get(key);
            if (text is null)
            {
                return fallback;
            }

            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v
                : throw new BenchException($"--{key} must be a number between {min} and {max}");
        }

        string[] known = ["api", "users", "zones", "users-file", "modes", "targets", "batch", "rate", "start-rate", "step-factor", "max-steps",
            "max-rate", "warmup", "step-seconds", "measure-seconds", "p99-bound-ms", "event-p99-bound-ms", "connections", "listeners",
            "hub-protocol", "ceiling-dll", "ceiling-url", "process", "pg", "out", "seed-parallelism", "timeout"];
        if (values.FirstOrDefault(v => !known.Contains(v.Key)) is { Key: not null } unknown)
        {
            throw new BenchException($"unknown option --{unknown.Key}");
        }

        if (!Uri.TryCreate(Get("api") ?? string.Empty, UriKind.Absolute, out var api) || !IsLoopback(api))
        {
            throw new BenchException("--api http://127.0.0.1:PORT is required (a loopback address: a load generator is never aimed elsewhere)");
        }

        Uri? ceilingUrl = null;
        if (Get("ceiling-url") is { } c && (!Uri.TryCreate(c, UriKind.Absolute, out ceilingUrl) || !IsLoopback(ceilingUrl)))
        {
            throw new BenchException("--ceiling-url must be a loopback http URL");
        }

        var modes = (Get("modes") ?? "single,batch,stream").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => Enum.TryParse<Mode>(m, ignoreCase: true, out var mode) ? mode : throw new BenchException($"unknown mode '{m}'"))
            .Distinct().ToArray();
        var protocol = Get("hub-protocol") ?? "json";
        if (protocol is not ("json" or "messagepack"))
        {
            throw new BenchException("--hub-protocol must be json or messagepack");
        }

        var processes = values.Where(v => v.Key == "process").Select(v =>
        {
            var parts = v.Value.Split('=', 2);
            return parts.Length == 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid)
                ? (parts[0], pid)
                : throw new BenchException($"--process wants NAME=PID, not '{v.Value}'");
        }).ToArray();

        var options = new BenchOptions
        {
            Api = api,
            Users = (int)Num("users", 500, 1, 1_000_000),
            Zones = (int)Num("zones", 10, 1, 1_000),
            UsersFile = Get("users-file") ?? ".local/bench/users.json",
            Reseed = flags.Contains("reseed"),
            Wrk = flags.Contains("wrk"),
            Modes = modes,
            Batch = (int)Num("batch", 50, 1, 1_000),
            Targets = (Get("targets") ?? "zones,ceiling").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => t is "zones" or "ceiling" ? t : throw new BenchException($"unknown target '{t}' (zones, ceiling)")).ToArray(),
            FixedRate = Get("rate") is null ? null : Num("rate", 0, 1, 10_000_000),
            StartRate = Get("start-rate") is null ? null : Num("start-rate", 0, 1, 10_000_000),
            StepFactor = Num("step-factor", 1.5, 1.05, 10),
            MaxSteps = (int)Num("max-steps", 12, 1, 100),
            MaxRate = Num("max-rate", 400_000, 1, 10_000_000),
            WarmupSeconds = Num("warmup", 3, 0, 600),
            StepSeconds = Num("step-seconds", 10, 1, 600),
            MeasureSeconds = Num("measure-seconds", 20, 1, 3_600),
            P99BoundMs = Num("p99-bound-ms", 10, 0.01, 60_000),
            EventP99BoundMs = Num("event-p99-bound-ms", 25, 0.01, 60_000),
            Connections = (int)Num("connections", 64, 1, 10_000),
            Listeners = (int)Num("listeners", 50, 0, 10_000),
            MessagePack = protocol == "messagepack",
            CeilingDll = flags.Contains("no-ceiling") ? null : Get("ceiling-dll"),
            CeilingUrl = flags.Contains("no-ceiling") ? null : ceilingUrl,
            Processes = processes,
            Postgres = Get("pg") ?? Environment.GetEnvironmentVariable("ZONES_BENCH_PG"),
            JwtKey = Environment.GetEnvironmentVariable("ZONES_BENCH_JWT_KEY") is { Length: > 0 } jwtKey ? jwtKey : null,
            JwtIssuer = Environment.GetEnvironmentVariable("ZONES_BENCH_JWT_ISSUER") ?? "zones",
            JwtAudience = Environment.GetEnvironmentVariable("ZONES_BENCH_JWT_AUDIENCE") ?? "zones-clients",
            SeedParallelism = (int)Num("seed-parallelism", 32, 1, 1_000),
            TimeoutSeconds = Num("timeout", 10, 0.1, 600),
        };
        return Get("out") is { } output ? options with { Out = output } : options;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.Scheme is "http" && (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));
}
