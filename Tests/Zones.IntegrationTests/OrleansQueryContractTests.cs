using System.Data;
using Npgsql;
using Zones.IntegrationTests.Infrastructure;

namespace Zones.IntegrationTests;

/// <summary>Runs the stored Orleans queries directly, with parameters bound the way the providers bind
/// them (by name, with DbType), to pin down the races a single silo never provokes.</summary>
public sealed class OrleansQueryContractTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Racing_first_writes_of_one_grain_state_let_exactly_one_win()
    {
        var grain = Grain.New();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => WriteAsync(grain, version: null, payload: [(byte)i])));

        Assert.Equal([1], answers.Where(a => a is not null).Select(a => a!.Value));
        Assert.Equal(7, answers.Count(a => a is null));
        Assert.Equal(1L, await db.DataSource.ScalarAsync<long>("SELECT count(*) FROM OrleansStorage WHERE ServiceId = @s", ("s", grain.ServiceId)));
    }

    [Fact]
    public async Task Racing_updates_from_one_version_let_exactly_one_win()
    {
        var grain = Grain.New();
        Assert.Equal(1, await WriteAsync(grain, version: null, payload: [0]));

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => WriteAsync(grain, version: 1, payload: [(byte)i])));

        Assert.Equal([2], answers.Where(a => a is not null).Select(a => a!.Value));
        Assert.Null(await WriteAsync(grain, version: 1, payload: [9]));
        Assert.Equal(3, await WriteAsync(grain, version: 2, payload: [9]));
    }

    [Fact]
    public async Task A_state_with_a_key_extension_is_a_different_row_from_one_without()
    {
        var plain = Grain.New();
        var extended = plain with { Extension = "ext" };

        Assert.Equal(1, await WriteAsync(plain, null, [1]));
        Assert.Equal(1, await WriteAsync(extended, null, [2]));
        Assert.Null(await WriteAsync(plain, null, [3]));
        Assert.Equal(2L, await db.DataSource.ScalarAsync<long>("SELECT count(*) FROM OrleansStorage WHERE ServiceId = @s", ("s", plain.ServiceId)));
    }

    [Fact]
    public async Task A_membership_change_with_a_stale_table_version_changes_nothing()
    {
        var cluster = $"c-{Guid.NewGuid():N}";
        Assert.True(await BoolQueryAsync("InsertMembershipVersionKey", ("DeploymentId", cluster, DbType.String)));
        Assert.False(await BoolQueryAsync("InsertMembershipVersionKey", ("DeploymentId", cluster, DbType.String)));

        var inserted = await InsertSiloAsync(cluster, generation: 1, version: 0);
        var staleInsert = await InsertSiloAsync(cluster, generation: 2, version: 0);
        var staleUpdate = await UpdateSiloAsync(cluster, generation: 1, version: 0, status: 6);
        var update = await UpdateSiloAsync(cluster, generation: 1, version: 1, status: 6);

        Assert.True(inserted);
        Assert.False(staleInsert);
        Assert.False(staleUpdate);
        Assert.True(update);
        Assert.Equal(2, await db.DataSource.ScalarAsync<int>("SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = @c", ("c", cluster)));
        Assert.Equal(1L, await db.DataSource.ScalarAsync<long>("SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @c", ("c", cluster)));
    }

    [Fact]
    public async Task Racing_silo_inserts_at_one_version_let_exactly_one_join()
    {
        var cluster = $"c-{Guid.NewGuid():N}";
        await BoolQueryAsync("InsertMembershipVersionKey", ("DeploymentId", cluster, DbType.String));

        var answers = await Task.WhenAll(Enumerable.Range(1, 6).Select(g => InsertSiloAsync(cluster, generation: g, version: 0)));

        Assert.Equal(1, answers.Count(a => a));
        Assert.Equal(1, await db.DataSource.ScalarAsync<int>("SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = @c", ("c", cluster)));
    }

    private sealed record Grain(string ServiceId, int IdHash, long N0, long N1, int TypeHash, string Type, string? Extension)
    {
        public static Grain New() => new($"svc-{Guid.NewGuid():N}", 42, 7, 8, 99, "probe", null);
    }

    private async Task<int?> WriteAsync(Grain grain, int? version, byte[] payload)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(await QueryTextAsync("WriteToStorageKey"), connection);
        Add(command, "GrainIdHash", grain.IdHash, DbType.Int32);
        Add(command, "GrainIdN0", grain.N0, DbType.Int64);
        Add(command, "GrainIdN1", grain.N1, DbType.Int64);
        Add(command, "GrainTypeHash", grain.TypeHash, DbType.Int32);
        Add(command, "GrainTypeString", grain.Type, DbType.String);
        Add(command, "GrainIdExtensionString", grain.Extension, DbType.String);
        Add(command, "ServiceId", grain.ServiceId, DbType.String);
        Add(command, "GrainStateVersion", version, DbType.Int32);
        Add(command, "PayloadBinary", payload, DbType.Binary);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? reader.GetInt32(reader.GetOrdinal("NewGrainStateVersion")) : null;
    }

    private Task<bool> InsertSiloAsync(string cluster, int generation, int version) =>
        BoolQueryAsync("InsertMembershipKey",
            ("DeploymentId", cluster, DbType.String), ("Address", "127.0.0.1", DbType.String), ("Port", 11111, DbType.Int32),
            ("Generation", generation, DbType.Int32), ("SiloName", "silo", DbType.String), ("HostName", "host", DbType.String),
            ("Status", 3, DbType.Int32), ("ProxyPort", 30000, DbType.Int32), ("StartTime", DateTime.UtcNow, DbType.DateTime),
            ("IAmAliveTime", DateTime.UtcNow, DbType.DateTime), ("Version", version, DbType.Int32));

    private Task<bool> UpdateSiloAsync(string cluster, int generation, int version, int status) =>
        BoolQueryAsync("UpdateMembershipKey",
            ("DeploymentId", cluster, DbType.String), ("Address", "127.0.0.1", DbType.String), ("Port", 11111, DbType.Int32),
            ("Generation", generation, DbType.Int32), ("Status", status, DbType.Int32), ("SuspectTimes", null, DbType.String),
            ("IAmAliveTime", DateTime.UtcNow, DbType.DateTime), ("Version", version, DbType.Int32));

    private async Task<bool> BoolQueryAsync(string key, params (string Name, object? Value, DbType Type)[] parameters)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(await QueryTextAsync(key), connection);
        foreach (var (name, value, type) in parameters)
        {
            Add(command, name, value, type);
        }
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(1, reader.FieldCount);
        return Convert.ToBoolean(reader.GetValue(0));
    }

    private static void Add(NpgsqlCommand command, string name, object? value, DbType type) =>
        command.Parameters.Add(new NpgsqlParameter { ParameterName = name, Value = value ?? DBNull.Value, DbType = type });

    private Task<string> QueryTextAsync(string key) =>
        db.DataSource.ScalarAsync<string>("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @k", ("k", key));
}
