using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Zones.Silo.Postgres;

/// <summary>How the silos keep the monthly activity partitions (configuration section <c>Activities</c>).</summary>
public sealed class ActivitiesOptions
{
    public const string Section = "Activities";

    /// <summary>How many months after the current one must have their partition ready (1 to 60).</summary>
    public int MonthsAhead { get; set; } = 12;

    /// <summary>Months of history kept: a monthly partition that ended more than this many months ago is dropped
    /// whole, and older rows in the default partition are deleted. 0 keeps everything forever.</summary>
    public int RetentionMonths { get; set; }

    /// <summary>How often a silo checks the partitions after its first check at start (at least a minute).</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>Creates the coming months' activity partitions and drops the expired ones. Every silo may run it
/// at any time: both steps take the same transaction-level advisory lock as the
/// <c>zones_ensure_activity_partitions</c> function, so concurrent callers queue and the later ones find
/// nothing to do.</summary>
public static partial class ActivityPartitions
{
    /// <summary>Monthly partitions are named <c>activities_yYYYYmMM</c> by <c>zones_ensure_activity_partitions</c>.</summary>
    [GeneratedRegex(@"^activities_y(\d{4})m(\d{2})$")]
    private static partial Regex MonthlyName();

    /// <summary>Makes sure the current month and the next <paramref name="monthsAhead"/> have a partition;
    /// answers how many it created.</summary>
    public static async Task<int> EnsureAheadAsync(NpgsqlDataSource dataSource, int monthsAhead, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT zones_ensure_activity_partitions(@ahead)");
        command.Parameters.AddWithValue("ahead", monthsAhead);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The first instant that is kept with <paramref name="retentionMonths"/> of history at <paramref name="now"/>.</summary>
    public static DateTimeOffset RetentionCutoff(DateTimeOffset now, int retentionMonths) =>
        now.ToUniversalTime().AddMonths(-retentionMonths);

    /// <summary>Drops every monthly partition whose whole month lies before the retention cut-off and deletes
    /// the default partition's rows before it, in one transaction. Answers the dropped partitions' names.
    /// A partition that still holds a kept instant is never touched, so at least
    /// <paramref name="retentionMonths"/> months of history always remain.</summary>
    public static async Task<IReadOnlyList<string>> DropExpiredAsync(NpgsqlDataSource dataSource, int retentionMonths,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(retentionMonths);
        var cutoff = RetentionCutoff(now, retentionMonths);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(hashtext('zones.activities.partitions'))", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var expired = new List<string>();
        await using (var list = new NpgsqlCommand("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'activities'::regclass ORDER BY c.relname
            """, connection, transaction))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                if (MonthEnd(name) is { } end && end <= cutoff)
                {
                    expired.Add(name);
                }
            }
        }

        foreach (var name in expired)
        {
            // The name came from the catalogue and matched the monthly pattern: nothing to quote but the identifier.
            await using var drop = new NpgsqlCommand($"DROP TABLE \"{name}\"", connection, transaction);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var purge = new NpgsqlCommand(
            "DELETE FROM activities_default WHERE \"timestamp\" < @cutoff", connection, transaction))
        {
            purge.Parameters.AddWithValue("cutoff", cutoff.UtcDateTime);
            await purge.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return expired;
    }

    /// <summary>The first instant after a monthly partition's range, or null for a table that is not one.</summary>
    public static DateTimeOffset? MonthEnd(string partitionName)
    {
        var match = MonthlyName().Match(partitionName);
        if (!match.Success)
        {
            return null;
        }

        var year = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var month = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        return month is < 1 or > 12 ? null : new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
    }
}

/// <summary>Runs <see cref="ActivityPartitions"/> on every silo: once at start, then every
/// <see cref="ActivitiesOptions.MaintenanceInterval"/>. A failure is logged and tried again next time (inserts
/// never fail for want of a partition: the default partition takes them).</summary>
public sealed partial class ActivityPartitionMaintenance(
    NpgsqlDataSource dataSource,
    Microsoft.Extensions.Options.IOptions<ActivitiesOptions> options,
    TimeProvider time,
    ILogger<ActivityPartitionMaintenance> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.MaintenanceInterval, time);
        do
        {
            await RunOnceAsync(settings, stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task RunOnceAsync(ActivitiesOptions settings, CancellationToken stoppingToken)
    {
        try
        {
            var created = await ActivityPartitions.EnsureAheadAsync(dataSource, settings.MonthsAhead, stoppingToken);
            if (created > 0)
            {
                LogCreated(logger, created, settings.MonthsAhead);
            }

            if (settings.RetentionMonths > 0)
            {
                var dropped = await ActivityPartitions.DropExpiredAsync(dataSource, settings.RetentionMonths, time.GetUtcNow(), stoppingToken);
                if (dropped.Count > 0)
                {
                    LogDropped(logger, dropped.Count, string.Join(", ", dropped), settings.RetentionMonths);
                }
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
        {
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created {Count} activity partitions (keeping {MonthsAhead} months ahead)")]
    private static partial void LogCreated(ILogger logger, int count, int monthsAhead);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {Count} expired activity partitions ({Partitions}): Activities:RetentionMonths is {RetentionMonths}")]
    private static partial void LogDropped(ILogger logger, int count, string partitions, int retentionMonths);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity partition maintenance failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

public static class ActivityPartitionMaintenanceExtensions
{
    /// <summary>Binds and validates <see cref="ActivitiesOptions"/> and runs <see cref="ActivityPartitionMaintenance"/>.</summary>
    public static IServiceCollection AddActivityPartitionMaintenance(this IServiceCollection services)
    {
        services.AddOptions<ActivitiesOptions>().BindConfiguration(ActivitiesOptions.Section)
            .Validate(o => o.MonthsAhead is >= 1 and <= 60, "Activities:MonthsAhead must be between 1 and 60.")
            .Validate(o => o.RetentionMonths >= 0, "Activities:RetentionMonths must be 0 (keep forever) or more.")
            .Validate(o => o.MaintenanceInterval >= TimeSpan.FromMinutes(1), "Activities:MaintenanceInterval must be at least a minute.")
            .ValidateOnStart();
        services.AddHostedService<ActivityPartitionMaintenance>();
        return services;
    }
}
