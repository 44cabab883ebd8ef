using System.Collections.Concurrent;
using System.Diagnostics;

namespace Zones.Bench;

/// <summary>Missing, extra and duplicated transitions of one source against the generator's expectations.</summary>
public sealed record Check(string Source, long Expected, long Seen, long Missing, long Extra, long Duplicated, string Note = "")
{
    public bool Clean => Missing == 0 && Extra == 0 && Duplicated == 0;
}

/// <summary>
/// What Zones should have done with the generator's pings, and what it did: each crossing ping is expected to
/// come back once in its answer, once on the hub for the listening users (timed from the ping's intended send
/// time to the zoneEvent), and once among the stored activities.
/// </summary>
public sealed class Ledger(Target target, IReadOnlySet<int> listening)
{
    private readonly ConcurrentDictionary<(int User, long Timestamp, int Zone), (long Intended, PhaseStats Phase)> pending = new();
    private readonly ConcurrentDictionary<int, ConcurrentQueue<SeenEvent>> received = new();
    private long unknownEvents;

    public IReadOnlySet<int> Listening => listening;

    /// <summary>Called by whoever holds the user (one at a time), before the pings leave.</summary>
    public void Expect(int user, List<Transition> transitions, long intended, PhaseStats phase)
    {
        if (transitions.Count == 0)
        {
            return;
        }

        target.Tracks[user].Expected.AddRange(transitions);
        if (listening.Contains(user))
        {
            foreach (var t in transitions)
            {
                pending[(user, t.Timestamp, t.Zone)] = (intended, phase);
            }
        }
    }

    public void OnHubEvent(int user, SeenEvent e)
    {
        var now = Stopwatch.GetTimestamp();
        received.GetOrAdd(user, _ => new ConcurrentQueue<SeenEvent>()).Enqueue(e);
        if (!target.Users[user].ZoneIndex.TryGetValue(e.ZoneId, out var zone))
        {
            Interlocked.Increment(ref unknownEvents);
            return;
        }

        if (pending.TryRemove((user, e.Timestamp, zone), out var p) && p.Phase.Counts(p.Intended))
        {
            p.Phase.RecordEvent(p.Intended, now);
        }
    }

    /// <summary>Waits until the listeners have every event of <paramref name="phase"/> (or the timeout).</summary>
    public async Task DrainAsync(PhaseStats phase, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && pending.Values.Any(p => p.Phase == phase))
        {
            await Task.Delay(50);
        }
    }

    /// <summary>Compares one answer's events with the transitions its pings should have caused.</summary>
    public void CheckAnswer(int user, List<Transition> expected, List<SeenEvent> events, PhaseStats phase)
    {
        if (expected.Count == 0 && events.Count == 0)
        {
            return;
        }

        var zones = target.Users[user].ZoneIndex;
        var matched = 0;
        foreach (var e in events)
        {
            if (zones.TryGetValue(e.ZoneId, out var z) && expected.Contains(new Transition(z, e.Enter, e.Timestamp)))
            {
                matched++;
            }
        }

        Interlocked.Add(ref phase.AnswerMissing, expected.Count - matched);
        Interlocked.Add(ref phase.AnswerExtra, events.Count - matched);
    }

    /// <summary>The hub side: every expected transition of the listening users against what they received.</summary>
    public Check HubCheck()
    {
        long expected = 0, seen = 0, missing = 0, extra = 0, duplicated = 0, skipped = 0;
        foreach (var user in listening)
        {
            if (target.Tracks[user].Uncertain)
            {
                skipped++;
                continue;
            }

            var events = received.TryGetValue(user, out var q) ? q.ToArray() : [];
            var keys = events.Select(e => Key(user, e)).ToList();
            var (m, x, d) = Compare(target.Tracks[user].Expected, keys);
            expected += target.Tracks[user].Expected.Count;
            seen += keys.Count;
            missing += m;
            extra += x;
            duplicated += d + (events.Length - events.Select(e => e.Id).Distinct().Count());
        }

        return new Check("hub (listeners)", expected, seen, missing, extra, duplicated,
            $"{listening.Count} users" + (skipped > 0 ? $", {skipped} skipped after a failed request" : string.Empty));
    }

    /// <summary>The stored side: activities after the reset ping, per user, against the expectations.</summary>
    public async Task<Check> StoredCheckAsync(string? connectionString, long resetTimestamp)
    {
        if (connectionString is null)
        {
            return new Check("stored (PostgreSQL)", 0, 0, 0, 0, 0, "not checked: no --pg");
        }

        var stored = new Dictionary<Guid, List<(Guid Zone, bool Enter, long Timestamp)>>();
        await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                """
                SELECT user_id, zone_id, type = 'enter', (extract(epoch FROM "timestamp") * 1000)::bigint
                FROM activities WHERE user_id = ANY(@users) AND "timestamp" > to_timestamp(@after / 1000.0)
                """, connection);
            command.Parameters.AddWithValue("users", target.Users.Select(u => u.Saved.Id).ToArray());
            command.Parameters.AddWithValue("after", (double)resetTimestamp);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var user = reader.GetGuid(0);
                if (!stored.TryGetValue(user, out var list))
                {
                    stored[user] = list = [];
                }

                list.Add((reader.GetGuid(1), reader.GetBoolean(2), reader.GetInt64(3)));
            }
        }

        long expected = 0, seen = 0, missing = 0, extra = 0, duplicated = 0, skipped = 0;
        for (var i = 0; i < target.Users.Length; i++)
        {
            if (target.Tracks[i].Uncertain)
            {
                skipped++;
                continue;
            }

            var zones = target.Users[i].ZoneIndex;
            var rows = stored.TryGetValue(target.Users[i].Saved.Id, out var r) ? r : [];
            var keys = rows.Select(x => (zones.TryGetValue(x.Zone, out var z) ? z : -1, x.Enter, x.Timestamp)).ToList();
            var (m, x2, d) = Compare(target.Tracks[i].Expected, keys);
            expected += target.Tracks[i].Expected.Count;
            seen += keys.Count;
            missing += m;
            extra += x2;
            duplicated += d;
        }

        return new Check("stored (PostgreSQL)", expected, seen, missing, extra, duplicated,
            $"{target.Users.Length} users" + (skipped > 0 ? $", {skipped} skipped after a failed request" : string.Empty));
    }

    public long UnknownEvents => Interlocked.Read(ref unknownEvents);

    private (int Zone, bool Enter, long Timestamp) Key(int user, SeenEvent e) =>
        (target.Users[user].ZoneIndex.TryGetValue(e.ZoneId, out var z) ? z : -1, e.Enter, e.Timestamp);

    /// <summary>Multiset comparison: (missing, extra, duplicated).</summary>
    private static (long Missing, long Extra, long Duplicated) Compare(List<Transition> expected, List<(int Zone, bool Enter, long Timestamp)> seen)
    {
        var counts = new Dictionary<(int, bool, long), int>();
        foreach (var k in seen)
        {
            counts[k] = counts.GetValueOrDefault(k) + 1;
        }

        long missing = 0, duplicated = 0;
        var wanted = new HashSet<(int, bool, long)>();
        foreach (var t in expected)
        {
            var k = (t.Zone, t.Enter, t.Timestamp);
            wanted.Add(k);
            var n = counts.GetValueOrDefault(k);
            if (n == 0)
            {
                missing++;
            }
            else if (n > 1)
            {
                duplicated += n - 1;
            }
        }

        var extra = counts.Where(kv => !wanted.Contains(kv.Key)).Sum(kv => (long)kv.Value);
        return (missing, extra, duplicated);
    }
}
