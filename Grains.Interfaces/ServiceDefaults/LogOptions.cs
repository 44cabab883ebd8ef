using System.ComponentModel.DataAnnotations;

namespace Zones.ServiceDefaults;

/// <summary>The <c>Logs</c> configuration section: where a node writes its rolling log files.</summary>
public sealed class LogOptions
{
    public const string Section = "Logs";

    /// <summary>The node's own log folder (env <c>Logs__Directory</c>). Empty: console only (tests, containers,
    /// where the platform collects stdout). Set: <c>combined-*.log</c> (every line) and <c>error-*.log</c>
    /// (Error and above) roll there daily and at <see cref="FileSizeLimitMegabytes"/>.</summary>
    public string? Directory { get; set; }

    [Range(1, 10_000)]
    public int FileSizeLimitMegabytes { get; set; } = 100;

    /// <summary>How many rolled files of each kind are kept; older ones are deleted.</summary>
    [Range(1, 1_000)]
    public int RetainedFiles { get; set; } = 14;
}

/// <summary>The <c>Health</c> configuration section.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>How long one dependency check may take before it counts as failed with <c>timeout</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);
}
