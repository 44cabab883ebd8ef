using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Zones.Accounts;
using Zones.Activities;
using Zones.Nearby;
using Zones.Statistics;
using Zones.Silo.Postgres;
using Zones.Users;

// In the DI namespace, as hosting extensions conventionally are, so Program.cs and the hosting
// code reach them through the SDK's implicit usings.
namespace Microsoft.Extensions.DependencyInjection;

public static class PostgresServiceCollectionExtensions
{
    /// <summary>Registers one shared <see cref="NpgsqlDataSource"/>, the PostgreSQL adapters behind the
    /// grains' ports (zones, accounts, activity history, nearby search, statistics),
    /// and the group-commit <see cref="ActivityWriter"/> as <see cref="IActivityWriter"/> and as a hosted
    /// service (so shutdown drains it). Run <see cref="MigrateZonesDatabaseAsync"/> before the host starts.</summary>
    public static IServiceCollection AddZonesPostgres(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        connectionString = DatabaseOutage.WithFailFastDefaults(connectionString);
        services.TryAddSingleton(new ZonesPostgresSettings(connectionString));
        services.TryAddSingleton(sp => BuildDataSource(sp, connectionString, genericPlans: false));
        // The group commit's own pool (one connection in use at a time): its statements always have the same
        // shape, so PostgreSQL plans them once per connection. Left to choose, PostgreSQL keeps re-planning the
        // insert for every commit (a custom plan looks cheaper than the generic one over a dozen monthly
        // partitions), which cost 3-8 ms of server CPU per commit; the generic plan still prunes partitions at run
        // time.
        services.TryAddKeyedSingleton(ActivityWriter.DataSourceKey,
            (sp, _) => BuildDataSource(sp, connectionString, genericPlans: true));
        services.TryAddSingleton<SchemaMigrator>();
        services.TryAddSingleton<IZoneStore, PostgresZoneStore>();
        services.TryAddSingleton<IAccountStore, PostgresAccountStore>();
        services.TryAddSingleton<IActivityReader, PostgresActivityReader>();
        services.TryAddSingleton<IPresenceStore, PostgresPresenceStore>();
        services.TryAddSingleton<IZoneSearch, PostgresZoneSearch>();
        services.TryAddSingleton<IStatisticsReader, PostgresStatisticsReader>();
        services.TryAddSingleton(new ActivityWriterOptions());
        services.TryAddSingleton(sp => new ActivityWriter(
            sp.GetRequiredKeyedService<NpgsqlDataSource>(ActivityWriter.DataSourceKey),
            sp.GetService<ILogger<ActivityWriter>>(),
            sp.GetRequiredService<ActivityWriterOptions>()));
        services.TryAddSingleton<StreakRecorder>();
        // Grains write through the streak recorder, which hands each write to the ActivityWriter with the user days
        // its streaks still need (recorded in the same transaction).
        services.TryAddSingleton<IActivityWriter>(sp => sp.GetRequiredService<StreakRecorder>());
        services.AddHostedService(sp => sp.GetRequiredService<ActivityWriter>());
        return services;
    }

    static NpgsqlDataSource BuildDataSource(IServiceProvider services, string connectionString, bool genericPlans)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        // The silo runs a handful of statements over and over (the group commit, presence and zone loads):
        // prepared once per connection, they skip parsing and analysis. A setting in the connection string wins.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        // A pooled connection is handed back as it was taken: the silo's statements leave no session state behind
        // (no SET, LISTEN, temporary table or session lock; the migrator's session lock has its own unpooled
        // connection). Without this Npgsql sends six reset statements (RESET ALL, CLOSE ALL, UNLISTEN *, ...) ahead of
        // the next statement on every connection taken from the pool, the group commit's included.
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        if (genericPlans)
        {
            builder.ConnectionStringBuilder.Options =
                $"{builder.ConnectionStringBuilder.Options} -c plan_cache_mode=force_generic_plan".Trim();
        }
        if (services.GetService<ILoggerFactory>() is { } loggerFactory)
        {
            builder.UseLoggerFactory(loggerFactory);
        }
        return builder.Build();
    }

    /// <summary>Applies the schema migrations (serialised across silos by an advisory lock). Call it after
    /// <c>Build()</c> and before <c>Run</c>: Orleans' ADO.NET providers read their queries from the
    /// database as the silo starts, so the schema must exist by then.</summary>
    public static async Task MigrateZonesDatabaseAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        var settings = host.Services.GetRequiredService<ZonesPostgresSettings>();
        var migrator = host.Services.GetRequiredService<SchemaMigrator>();
        await migrator.MigrateAsync(settings.ConnectionString, cancellationToken);
        await EnsureActivityPartitionsAsync(host, cancellationToken);
    }

    /// <summary>Creates the activity partitions for the coming year, so that a silo restarted at least once a
    /// year never leaves inserts to the default partition. Idempotent and serialised in the database; a failure
    /// is logged, not fatal (the default partition still takes every insert).</summary>
    static async Task EnsureActivityPartitionsAsync(IHost host, CancellationToken cancellationToken)
    {
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        try
        {
            await ActivityPartitions.EnsureAheadAsync(dataSource, new ActivitiesOptions().MonthsAhead, cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PostgresServiceCollectionExtensions))
                .LogWarning(ex, "Could not create the coming activity partitions; inserts go to the default partition");
        }
    }
}
