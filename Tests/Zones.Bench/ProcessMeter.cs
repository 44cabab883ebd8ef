using System.Diagnostics;
using System.Globalization;

namespace Zones.Bench;

/// <summary>CPU (user + system, from /proc/PID/stat) and memory (PSS, from /proc/PID/smaps_rollup) of named processes, each with its
/// descendants (PostgreSQL serves every connection from a child process).</summary>
public sealed class ProcessMeter(IReadOnlyList<(string Name, int Pid)> processes)
{
    // USER_HZ: 100 on every Linux the project runs on (sysconf(_SC_CLK_TCK)).
    private const double TicksPerSecond = 100;
    private static readonly long PageSize = Environment.SystemPageSize;

    public sealed record Sample(long At, Dictionary<string, (long Ticks, long MemoryBytes)> Values);

    public Sample Take()
    {
        var parents = new Dictionary<int, (int Parent, long Ticks, long Rss)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                parents[pid] = stat;
            }
        }

        var values = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var (name, root) in processes)
        {
            long ticks = 0, rss = 0;
            foreach (var (pid, stat) in parents)
            {
                if (IsWithin(pid, root, parents))
                {
                    ticks += stat.Ticks;
                    rss += Proportional(pid) ?? stat.Rss;
                }
            }

            values[name] = (ticks, rss);
        }

        return new Sample(Stopwatch.GetTimestamp(), values);
    }

    public List<Usage> Between(Sample before, Sample after)
    {
        var seconds = Math.Max((after.At - before.At) / (double)Stopwatch.Frequency, 1e-9);
        return processes.Select(p =>
        {
            var a = before.Values.GetValueOrDefault(p.Name);
            var b = after.Values.GetValueOrDefault(p.Name);
            var cpu = Math.Max(0, b.Ticks - a.Ticks) / TicksPerSecond;
            return new Usage(p.Name, cpu / seconds, cpu, b.MemoryBytes / 1024.0 / 1024.0);
        }).ToList();
    }

    private bool IsWithin(int pid, int root, Dictionary<int, (int Parent, long Ticks, long Rss)> parents)
    {
        for (var depth = 0; depth < 16 && pid > 1; depth++)
        {
            if (pid == root)
            {
                return true;
            }

            // Another measured process below this root (the ceiling the generator started) is counted on its own.
            if (processes.Any(p => p.Pid == pid))
            {
                return false;
            }

            if (!parents.TryGetValue(pid, out var stat))
            {
                return false;
            }

            pid = stat.Parent;
        }

        return false;
    }

    /// <summary>PSS: resident memory with shared pages split among their sharers, so the sum over PostgreSQL's
    /// processes counts its shared buffers once (RSS would count them once per backend).</summary>
    private static long? Proportional(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            {
                if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    return long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }

        return null;
    }

    private static (int Parent, long Ticks, long Rss)? Read(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may hold spaces: fields count from the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state): ppid = 4, utime = 14, stime = 15, rss = 24.
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var rss = long.Parse(fields[21], CultureInfo.InvariantCulture) * PageSize;
            return (parent, ticks, rss);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
