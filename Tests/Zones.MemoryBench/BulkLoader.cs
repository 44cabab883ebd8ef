using System.Diagnostics;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Zones.MemoryBench;

/// <summary>Writes bench accounts and their circle zones with binary COPY: the same columns and values the
/// Api's path writes (PostgresAccountStore.CreateAsync, PostgresZoneStore.InsertAsync), so the rows are real
/// accounts and zones. Each chunk of users goes in with its zones in one transaction, so a run that stops
/// leaves whole users behind, never a user without zones.</summary>
public sealed class BulkLoader(NpgsqlDataSource dataSource, BenchOptions options)
{
    /// <summary>Every bench account's email ends with this (a reserved, never-deliverable domain).</summary>
    public const string EmailDomain = "memory-bench.invalid";

    const int ChunkUsers = 10_000;
    const string DefaultNotificationText = "You have entered the zone";

    // A few plausible names; zones of one user get distinct ones, as people name them.
    static readonly string[] Titles =
    [
        "Home", "Office", "Gym", "School", "Parents", "Supermarket", "Park", "Station", "Cafe", "Library",
        "Clinic", "Pool", "Kindergarten", "Bakery", "Garage", "Friends", "Church", "Market", "Stadium", "Airport",
    ];

    static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    public sealed record Result(int Existing, int UsersLoaded, long ZonesLoaded, TimeSpan Elapsed);

    public static string Email(int index) => $"membench-{index:D8}@{EmailDomain}";

    /// <summary>How many bench accounts exist (they are numbered from 0 without gaps, chunk by chunk).</summary>
    public async Task<int> CountAsync()
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM users WHERE email LIKE @pattern");
        command.Parameters.Add(new NpgsqlParameter<string>("pattern", "%@" + EmailDomain));
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<Result> LoadAsync(Action<string> progress)
    {
        var existing = await CountAsync();
        if (existing >= options.Users)
        {
            return new Result(existing, 0, 0, TimeSpan.Zero);
        }

        // One bcrypt hash (cost 11, as registration uses) of a password nobody knows: the accounts are valid
        // rows for the Api (login just fails), and hashing a million passwords is not what is measured.
        var hash = BCrypt.Net.BCrypt.HashPassword(Convert.ToBase64String(Guid.NewGuid().ToByteArray()), 11);
        var chunks = new List<(int From, int To)>();
        for (var from = existing; from < options.Users; from += ChunkUsers)
        {
            chunks.Add((from, Math.Min(options.Users, from + ChunkUsers)));
        }

        var stopwatch = Stopwatch.StartNew();
        var users = 0;
        long zones = 0;
        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = options.LoadParallelism },
            async (chunk, cancellationToken) =>
            {
                var written = await LoadChunkAsync(chunk.From, chunk.To, hash, cancellationToken);
                var doneUsers = Interlocked.Add(ref users, chunk.To - chunk.From);
                var doneZones = Interlocked.Add(ref zones, written);
                var seconds = stopwatch.Elapsed.TotalSeconds;
                progress($"loaded {doneUsers:N0}/{options.Users - existing:N0} users, {doneZones:N0} zones " +
                         $"({(doneUsers + doneZones) / seconds:N0} rows/s)");
            });
        return new Result(existing, users, zones, stopwatch.Elapsed);
    }

    async Task<long> LoadChunkAsync(int from, int to, string hash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Millisecond precision, as the Api's clock (Unix ms) stores them.
        var baseMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var ids = new Guid[to - from];
        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY users (id, email, username, name, bio, profile_image_url, phone, gender, streak, role,
                        password_hash, created_at, updated_at) FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
            for (var i = from; i < to; i++)
            {
                var created = DateTimeOffset.FromUnixTimeMilliseconds(baseMs).UtcDateTime;
                var id = Guid.CreateVersion7(created);
                ids[i - from] = id;
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(id, NpgsqlDbType.Uuid, cancellationToken);
                await writer.WriteAsync(Email(i), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync($"membench{i}", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync($"Bench User {i}", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteNullAsync(cancellationToken); // bio
                await writer.WriteNullAsync(cancellationToken); // profile_image_url
                await writer.WriteNullAsync(cancellationToken); // phone
                await writer.WriteNullAsync(cancellationToken); // gender
                await writer.WriteAsync(0, NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteAsync("user", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(hash, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(created, NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(created, NpgsqlDbType.TimestampTz, cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        long zones = 0;
        if (options.ZonesPerUser > 0)
        {
            await using var writer = await connection.BeginBinaryImportAsync("""
                COPY zones (id, user_id, title, address, location, latitude, longitude, radius, polygon, polygon_geojson,
                            icon, color, description, notification_option, notification_text, dwell_seconds, image_url,
                            created_at, updated_at) FROM STDIN (FORMAT BINARY)
                """, cancellationToken);
            for (var i = from; i < to; i++)
            {
                // Deterministic per user: a home somewhere in central Europe, the zones within ~20 km of it.
                var random = new Random(i);
                var homeLat = 47 + random.NextDouble() * 7;
                var homeLon = 6 + random.NextDouble() * 9;
                var titleOffset = random.Next(Titles.Length);
                for (var z = 0; z < options.ZonesPerUser; z++)
                {
                    // Zones of one user are created one after another: distinct created_at, so the grain's
                    // ORDER BY created_at, id is the insertion order, as with the Api.
                    var created = DateTimeOffset.FromUnixTimeMilliseconds(baseMs + z + 1).UtcDateTime;
                    var latitude = Math.Round(homeLat + (random.NextDouble() - 0.5) * 0.36, 6);
                    var longitude = Math.Round(homeLon + (random.NextDouble() - 0.5) * 0.5, 6);
                    var radius = (double)(50 + random.Next(20) * 25);
                    var title = z < Titles.Length ? Titles[(titleOffset + z) % Titles.Length] : $"Place {z + 1}";
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(Guid.CreateVersion7(created), NpgsqlDbType.Uuid, cancellationToken);
                    await writer.WriteAsync(ids[i - from], NpgsqlDbType.Uuid, cancellationToken);
                    await writer.WriteAsync(title, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteNullAsync(cancellationToken); // address
                    // ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography, as the zone store writes it.
                    await writer.WriteAsync(Wgs84.CreatePoint(new Coordinate(longitude, latitude)), NpgsqlDbType.Geography,
                        cancellationToken);
                    await writer.WriteAsync(latitude, NpgsqlDbType.Double, cancellationToken);
                    await writer.WriteAsync(longitude, NpgsqlDbType.Double, cancellationToken);
                    await writer.WriteAsync(radius, NpgsqlDbType.Double, cancellationToken);
                    await writer.WriteNullAsync(cancellationToken); // polygon
                    await writer.WriteNullAsync(cancellationToken); // polygon_geojson
                    await writer.WriteNullAsync(cancellationToken); // icon
                    await writer.WriteNullAsync(cancellationToken); // color
                    await writer.WriteNullAsync(cancellationToken); // description
                    await writer.WriteAsync("both", NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(DefaultNotificationText, NpgsqlDbType.Text, cancellationToken);
                    // One zone in five waits for a dwell, as a mix of real zones would.
                    if (z % 5 == 0)
                    {
                        await writer.WriteAsync(300, NpgsqlDbType.Integer, cancellationToken);
                    }
                    else
                    {
                        await writer.WriteNullAsync(cancellationToken);
                    }

                    await writer.WriteNullAsync(cancellationToken); // image_url
                    await writer.WriteAsync(created, NpgsqlDbType.TimestampTz, cancellationToken);
                    await writer.WriteAsync(created, NpgsqlDbType.TimestampTz, cancellationToken);
                    zones++;
                }
            }

            await writer.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return zones;
    }

    /// <summary>Ids of the first <paramref name="count"/> bench accounts, in their numbering.</summary>
    public async Task<List<Guid>> IdsAsync(int count)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id FROM users WHERE email LIKE @pattern ORDER BY email LIMIT @count");
        command.Parameters.Add(new NpgsqlParameter<string>("pattern", "%@" + EmailDomain));
        command.Parameters.Add(new NpgsqlParameter<int>("count", count));
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>(count);
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }
}
