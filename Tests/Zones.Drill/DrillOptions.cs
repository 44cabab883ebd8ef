using System.Globalization;

namespace Zones.Drill;

public sealed record DrillOptions(Uri Api, int Users, TimeSpan Duration, TimeSpan Interval, string? StopFile, string? ReadyFile, string? Out,
    long MaxFailed, double MaxReconnectSeconds, bool AllowUnacknowledged, string? FaultFile)
{
    public const string Usage = """
        usage: Zones.Drill --api http://127.0.0.1:PORT [options]
          --users 20          users, each with one zone, a hub connection and a device sending pings
          --seconds 60        how long the devices send (or until --stop-file exists)
          --interval-ms 250   each device's pause between two requests
          --stop-file PATH    stop sending as soon as this file exists (a script's signal that its drill is over)
          --ready-file PATH   created once every user is set up and the devices start sending
          --out PATH          also write the report as JSON
          --max-failed 0      failed requests tolerated for a clean result (each is resent until it succeeds); -1: any number
          --faults PATH       a fault file (lines "UNIX_MS fault NAME" and "UNIX_MS ready NAME", deploy/local/chaos.sh writes
                              it), read at the end: each fault's recovery time (success per second back at or above 99%
                              until the next fault) must be measured for a clean result, except stop-postgres's; a 503
                              UNAVAILABLE while PostgreSQL is down is counted as refused, not failed; a transition acknowledged
                              while Redis is down, or within 5 s of its start, is not required to be pushed live
          --max-reconnect-seconds 5   the slowest hub reconnect tolerated for a clean result
          --allow-unacknowledged      a stored transition whose answer never arrived is clean if its ping's request
                                      was in flight at a kill-api fault of --faults (the Api node died after the
                                      cluster committed; HAProxy's resend reached another node as a first attempt;
                                      the client still gets it pushed or caught up); any other is not
        """;

    public static DrillOptions? Parse(string[] args)
    {
        Uri? api = null;
        int users = 20;
        double seconds = 60, interval = 250;
        string? stopFile = null, readyFile = null, output = null;
        long maxFailed = 0;
        double maxReconnect = 5;
        var allowUnacknowledged = false;
        string? faults = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--api" when value is not null: api = new Uri(value); i++; break;
                case "--users" when value is not null: users = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--seconds" when value is not null: seconds = double.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--interval-ms" when value is not null: interval = double.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--stop-file" when value is not null: stopFile = value; i++; break;
                case "--allow-unacknowledged": allowUnacknowledged = true; break;
                case "--ready-file" when value is not null: readyFile = value; i++; break;
                case "--faults" when value is not null: faults = value; i++; break;
                case "--out" when value is not null: output = value; i++; break;
                case "--max-failed" when value is not null: maxFailed = long.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--max-reconnect-seconds" when value is not null: maxReconnect = double.Parse(value, CultureInfo.InvariantCulture); i++; break;
                default: return null;
            }
        }

        return api is null || users < 1
            ? null
            : new DrillOptions(api, users, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(interval), stopFile, readyFile, output,
                maxFailed, maxReconnect, allowUnacknowledged, faults);
    }
}
