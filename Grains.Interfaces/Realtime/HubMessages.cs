using Zones.Geofencing;

namespace Zones.Realtime;

/// <summary>What the hub sends, as plain maps with the contract's camelCase names. The JSON protocol would write
/// records in camelCase, but the MessagePack protocol writes a record's property names as declared (PascalCase);
/// a map reads the same in both, so a client sees one shape whatever protocol it chose.</summary>
public static class HubMessages
{
    /// <summary>A <c>zoneEvent</c> as API.md defines it.</summary>
    public static Dictionary<string, object?> ZoneEvent(ZoneEvent e) => new(9)
    {
        ["id"] = e.Id.ToString("D"),
        ["zoneId"] = e.ZoneId.ToString("D"),
        ["zoneName"] = e.ZoneName,
        ["type"] = e.Type,
        ["timestamp"] = e.Timestamp,
        ["latitude"] = e.Latitude,
        ["longitude"] = e.Longitude,
        ["icon"] = e.Icon,
        ["notificationText"] = e.NotificationText,
    };

    /// <summary>The answer of <c>SendLocations</c>: the same fields as the data of <c>POST /locations</c>.</summary>
    public static Dictionary<string, object?> LocationReport(LocationReport report)
    {
        var events = new Dictionary<string, object?>[report.Events.Count];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = ZoneEvent(report.Events[i]);
        }

        var answer = new Dictionary<string, object?>(4) { ["accepted"] = report.Accepted, ["ignored"] = report.Ignored, ["events"] = events };
        if (report.EventsOmitted > 0)
        {
            answer["eventsOmitted"] = report.EventsOmitted;
        }

        return answer;
    }
}
