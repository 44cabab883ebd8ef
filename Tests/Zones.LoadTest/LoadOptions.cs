using System.Globalization;
using System.Net;

namespace Zones.LoadTest;

/// <summary>Command-line settings of one load run.</summary>
public sealed record LoadOptions(
    Uri Api,
    int Users,
    int ZonesPerUser,
    int Concurrency,
    int DurationSeconds,
    int Batch,
    double CrossingRatio,
    long MaxRequests,
    int Seed)
{
    public const string Usage =
        "usage: Zones.LoadTest --api http://127.0.0.1:PORT [--users 200] [--zones-per-user 20] [--concurrency 32]\n" +
        "                      [--duration 30] [--batch 10] [--crossing-ratio 0.05] [--max-requests 1000000] [--seed 1]";

    // Access tokens live 15 minutes (API.md) and the tool does not refresh them: keep a run well inside that.
    public const int MaxDurationSeconds = 600;

    public static bool TryParse(string[] args, out LoadOptions options, out string problem)
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

        var known = new[] { "api", "users", "zones-per-user", "concurrency", "duration", "batch", "crossing-ratio", "max-requests", "seed" };
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            problem = $"unknown option --{unknown}";
            return false;
        }

        if (!values.TryGetValue("api", out var apiText) || !Uri.TryCreate(apiText, UriKind.Absolute, out var api)
            || api.Scheme is not ("http" or "https"))
        {
            problem = "--api http://127.0.0.1:PORT is required";
            return false;
        }

        // A load generator must never be aimed at someone else's server by a typo.
        if (!IsLoopback(api))
        {
            problem = $"--api must be a loopback address (127.0.0.0/8, ::1 or localhost), not '{api.Host}'";
            return false;
        }

        try
        {
            options = new LoadOptions(
                api,
                Int(values, "users", 200, 1, 1_000_000),
                Int(values, "zones-per-user", 20, 1, 10_000),
                Int(values, "concurrency", 32, 1, 4_096),
                Int(values, "duration", 30, 1, MaxDurationSeconds),
                Int(values, "batch", 10, 1, 1_000),
                Double(values, "crossing-ratio", 0.05, 0, 1),
                Int(values, "max-requests", 1_000_000, 1, int.MaxValue),
                Int(values, "seed", 1, int.MinValue, int.MaxValue));
        }
        catch (FormatException e)
        {
            problem = e.Message;
            return false;
        }

        if (options.Users < options.Concurrency)
        {
            // One user is one grain: two workers sharing a user would race its timestamps.
            problem = $"--users ({options.Users}) must be at least --concurrency ({options.Concurrency}): each worker owns its own users";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    private static bool IsLoopback(Uri api) =>
        string.Equals(api.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(api.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static int Int(Dictionary<string, string> values, string name, int fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"--{name} must be an integer between {min} and {max}");
    }

    private static double Double(Dictionary<string, string> values, string name, double fallback, double min, double max)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"--{name} must be a number between {min} and {max}");
    }
}
