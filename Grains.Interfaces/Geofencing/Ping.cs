namespace Zones.Geofencing;

/// <summary>One location fix as a phone reports it. <see cref="Timestamp"/> is the device clock in Unix ms.</summary>
[GenerateSerializer, Immutable, Alias("Zones.Ping")]
public sealed record Ping(
    [property: Id(0)] double Latitude,
    [property: Id(1)] double Longitude,
    [property: Id(2)] double? Accuracy,
    [property: Id(3)] long Timestamp,
    [property: Id(4)] double? Speed = null,
    [property: Id(5)] double? Heading = null);

/// <summary>A batch of pings from one device, in any order. <see cref="Resent"/>: the Api sends this batch again
/// because an earlier attempt got no answer (its silo was lost, or its deadline ran out), so that attempt may have
/// been applied and committed. The grain then answers the pings it finds already evaluated with the stored events
/// they caused, as the lost answer would have carried them; a first attempt (false) never reads storage.</summary>
/// <remarks><see cref="Resent"/> is a field added after the first release: a silo that does not know it skips it
/// (and answers a resend as before, without the stored events); a batch from an Api that does not send it reads
/// as false.</remarks>
[GenerateSerializer, Immutable, Alias("Zones.LocationBatch")]
public sealed record LocationBatch(
    [property: Id(0)] string? DeviceId,
    [property: Id(1)] IReadOnlyList<Ping> Pings,
    [property: Id(2)] bool Resent = false);

/// <summary>The answer to a batch: how many pings were evaluated, how many were not newer than
/// the user's high-water mark, and the transitions they caused (already durable); for a
/// <see cref="LocationBatch.Resent"/> batch also those its already evaluated pings caused on an earlier attempt, read
/// back from the activity log. <see cref="EventsOmitted"/>
/// counts the transitions beyond the answer's bound: stored like the others, left out of the answer (the client
/// reads them from the activity history).</summary>
[GenerateSerializer, Immutable, Alias("Zones.LocationReport")]
public sealed record LocationReport(
    [property: Id(0)] int Accepted,
    [property: Id(1)] int Ignored,
    [property: Id(2)] IReadOnlyList<ZoneEvent> Events,
    [property: Id(3)] int EventsOmitted = 0);

/// <summary>The activity types, as they appear on the wire and in the database.</summary>
public static class ActivityTypes
{
    public const string Enter = "enter";
    public const string Exit = "exit";
    public const string Dwell = "dwell";

    public static bool IsValid(string? value) => value is Enter or Exit or Dwell;
}

/// <summary>A zone transition (an activity). <see cref="Id"/> is derived from
/// (user, zone, visit number, type), so the same transition never gets two ids.</summary>
[GenerateSerializer, Immutable, Alias("Zones.ZoneEvent")]
public sealed record ZoneEvent(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ZoneId,
    [property: Id(2)] string ZoneName,
    [property: Id(3)] string Type,
    [property: Id(4)] long Timestamp,
    [property: Id(5)] double Latitude,
    [property: Id(6)] double Longitude,
    [property: Id(7)] string? Icon,
    [property: Id(8)] string? NotificationText);
