using System.Globalization;

namespace Zones.MemoryBench;

/// <summary>The silo's memory as the operating system and the runtime see it.</summary>
public sealed record MemorySample(long WorkingSetBytes, long? GcHeapBytes, long? GcCommittedBytes, double? Activations);

/// <summary>Reads the silo process's VmRSS from /proc and, when given its /metrics URL, the GC heap size
/// after the last collection, the memory the GC has committed, and the activation count.</summary>
public sealed class SiloProbe(int pid, Uri? metrics) : IDisposable
{
    readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public bool Alive => File.Exists($"/proc/{pid}/status");

    public async Task<MemorySample> SampleAsync()
    {
        var rss = ReadRss();
        if (metrics is null)
        {
            return new MemorySample(rss, null, null, null);
        }

        try
        {
            var text = await _http.GetStringAsync(metrics);
            return new MemorySample(rss,
                Sum(text, "system_runtime_dotnet_gc_last_collection_heap_size") ?? Sum(text, "dotnet_total_memory_bytes"),
                Sum(text, "system_runtime_dotnet_gc_last_collection_memory_committed_size"),
                SumDouble(text, "microsoft_orleans_orleans_catalog_activations"));
        }
        catch (HttpRequestException)
        {
            return new MemorySample(rss, null, null, null);
        }
    }

    long ReadRss()
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS in /proc/{pid}/status");
    }

    static long? Sum(string text, string metric) => SumDouble(text, metric) is { } value ? (long)value : null;

    /// <summary>Sum over every series of a metric (e.g. per GC generation) in Prometheus text format.</summary>
    static double? SumDouble(string text, string metric)
    {
        double? sum = null;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(metric, StringComparison.Ordinal) || line.Length <= metric.Length
                || (line[metric.Length] != ' ' && line[metric.Length] != '{'))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                sum = (sum ?? 0) + value;
            }
        }

        return sum;
    }

    public void Dispose() => _http.Dispose();
}
