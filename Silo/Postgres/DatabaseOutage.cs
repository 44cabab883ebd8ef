using Npgsql;
using Zones.Errors;

namespace Zones.Silo.Postgres;

/// <summary>What the silo does about PostgreSQL being unreachable (stopped, restarting, cut off): the request
/// that needed it fails at once as <c>UNAVAILABLE</c> (503 at the Api), never as an internal error and never
/// after a long wait, and the request that did not need it is not disturbed.</summary>
public static class DatabaseOutage
{
    public const string Message = "The database is unavailable; retry shortly.";

    /// <summary>A connection-level or server-availability failure (refused, reset, timed out, shutting down,
    /// starting up, out of connections), as opposed to a bug or bad data.</summary>
    public static bool IsOutage(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs a read that a grain's activation needs, turning an outage into <see cref="ErrorCodes.Unavailable"/>
    /// here: an exception thrown while a grain activates reaches the caller without passing
    /// <see cref="DatabaseOutageFilter"/>, and an <see cref="NpgsqlException"/> cannot cross the Orleans wire (the
    /// caller would get a serialization failure, and the Api a 500). Met by chaos.sh: after a failed commit a user's
    /// grain deactivates, and its next activation during the outage reads presence and zones.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception ex) when (ex is not ZonesException && IsOutage(ex))
        {
            throw new ZonesException(ErrorCodes.Unavailable, Message);
        }
    }

    /// <summary>The connection string with short timeouts filled in where it names none: a connection attempt to
    /// an unreachable server gives up after 3 s (Npgsql's default is 15 s), a statement after 15 s (default 30 s),
    /// so no request hangs for half a minute; TCP keepalives every 5 s find a half-open connection.</summary>
    public static string WithFailFastDefaults(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Names(connectionString, "Timeout"))
        {
            settings.Timeout = 3;
        }

        if (!Names(connectionString, "Command Timeout") && !Names(connectionString, "CommandTimeout"))
        {
            settings.CommandTimeout = 15;
        }

        if (!Names(connectionString, "Keepalive"))
        {
            settings.KeepAlive = 5;
        }

        return settings.ConnectionString;
    }

    static bool Names(string connectionString, string key) =>
        connectionString.Split(';').Any(part => part.Split('=')[0].Trim().Equals(key, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Turns a database outage met inside any grain call into <see cref="ErrorCodes.Unavailable"/>, a
/// type the Api knows, so every endpoint answers 503 <c>UNAVAILABLE</c> whatever store the grain used.</summary>
public sealed class DatabaseOutageFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception ex) when (ex is not ZonesException && DatabaseOutage.IsOutage(ex))
        {
            throw new ZonesException(ErrorCodes.Unavailable, DatabaseOutage.Message);
        }
    }
}
