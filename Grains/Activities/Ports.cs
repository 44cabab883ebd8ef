using Zones.Geofencing;

namespace Zones.Activities;

/// <summary>An activity as it is stored: the event plus whose it is and where it came from.</summary>
public sealed record ActivityRecord(Guid UserId, ZoneEvent Event, string? DeviceId);

/// <summary>A user's presence, serialized (<see cref="PresenceJson"/>), to be saved with the user's activities.</summary>
public sealed record PresenceWrite(Guid UserId, string State);

/// <summary>The silo-wide group-commit writer. <see cref="WriteAsync"/> completes once the activities, and the
/// presence that follows from them, are durable: both in one transaction, so presence on disk never lags or leads
/// the activity log. Many grains' calls share one database round trip. Inserts ignore an existing id.</summary>
public interface IActivityWriter
{
    Task WriteAsync(IReadOnlyList<ActivityRecord> activities, PresenceWrite? presence = null,
        CancellationToken cancellationToken = default);
}

/// <summary>Where a user's presence is read from on activation (it is written by <see cref="IActivityWriter"/>).</summary>
public interface IPresenceStore
{
    /// <summary>The stored presence, or null for a user never seen.</summary>
    Task<UserPresence?> LoadAsync(Guid userId, CancellationToken cancellationToken = default);
}

/// <summary>Reads a user's activity history.</summary>
public interface IActivityReader
{
    Task<ActivityPage> QueryAsync(Guid userId, ActivityQuery query, CancellationToken cancellationToken = default);

    /// <summary>The user's activities recorded from <paramref name="deviceId"/> (null: recorded without a device) with a
    /// timestamp from <paramref name="from"/> to <paramref name="to"/> (inclusive), oldest first: at least the
    /// <paramref name="limit"/> oldest, and every other one sharing the timestamp of the last of those (so the caller
    /// can order ties as the engine did), with how many match in all.</summary>
    Task<RecordedEvents> ReadRecordedAsync(Guid userId, string? deviceId, long from, long to, int limit,
        CancellationToken cancellationToken = default);
}

/// <summary>Activities read back for a resent batch (<see cref="IActivityReader.ReadRecordedAsync"/>): the oldest ones,
/// and how many matched in all.</summary>
public sealed record RecordedEvents(IReadOnlyList<ZoneEvent> Events, int Total);
