using System.Globalization;

namespace Zones.MemoryBench;

/// <summary>Command-line settings of one memory run.</summary>
public sealed record BenchOptions(
    string Postgres,
    int SiloPid,
    Uri? SiloMetrics,
    int Users,
    int ZonesPerUser,
    int Concurrency,
    int LoadParallelism,
    int SettleSeconds,
    string? GcDump,
    string ClusterId,
    string ServiceId)
{
    public const string Usage =
        "usage: Zones.MemoryBench --postgres CONNECTION --silo-pid PID [--silo-metrics http://127.0.0.1:PORT/metrics]\n" +
        "                         [--users 50000] [--zones-per-user 10] [--concurrency 64] [--load-parallelism 2]\n" +
        "                         [--settle 15] [--gcdump FILE.gcdump] [--cluster-id zones-local] [--service-id zones]\n" +
        "Makes sure the first --users bench accounts (emails ...@" + BulkLoader.EmailDomain + ") exist with --zones-per-user\n" +
        "circle zones each (binary COPY of what the Api would write), activates all of them through the cluster,\n" +
        "and reports load rate, activation rate and the silo's memory per active user.";

    public static bool TryParse(string[] args, out BenchOptions options, out string problem)
    {
        options = null!;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                problem = $"unexpected argument '{args[i]}'";
                return false;
            }

            values[args[i][2..]] = args[++i];
        }

        var known = new[]
        {
            "postgres", "silo-pid", "silo-metrics", "users", "zones-per-user", "concurrency", "load-parallelism",
            "settle", "gcdump", "cluster-id", "service-id",
        };
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            problem = $"unknown option --{unknown}";
            return false;
        }

        if (!values.TryGetValue("postgres", out var postgres) || string.IsNullOrWhiteSpace(postgres))
        {
            problem = "--postgres CONNECTION is required";
            return false;
        }

        Uri? metrics = null;
        if (values.TryGetValue("silo-metrics", out var metricsText)
            && !Uri.TryCreate(metricsText, UriKind.Absolute, out metrics))
        {
            problem = $"--silo-metrics must be a URL, got '{metricsText}'";
            return false;
        }

        try
        {
            options = new BenchOptions(
                postgres,
                Int(values, "silo-pid", 0, 1, int.MaxValue),
                metrics,
                Int(values, "users", 50_000, 1, 10_000_000),
                Int(values, "zones-per-user", 10, 0, 1_000),
                Int(values, "concurrency", 64, 1, 4_096),
                Int(values, "load-parallelism", 2, 1, 16),
                Int(values, "settle", 15, 0, 600),
                values.GetValueOrDefault("gcdump"),
                values.GetValueOrDefault("cluster-id", "zones-local"),
                values.GetValueOrDefault("service-id", "zones"));
        }
        catch (FormatException e)
        {
            problem = e.Message;
            return false;
        }

        problem = "";
        return true;
    }

    static int Int(Dictionary<string, string> values, string name, int fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out var text))
        {
            if (fallback < min)
            {
                throw new FormatException($"--{name} is required");
            }

            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new FormatException($"--{name} must be a whole number from {min} to {max}, got '{text}'");
        }

        return value;
    }
}
