using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zones.Geofencing;

/// <summary>How presence is stored (<c>user_presence.state</c>, jsonb): System.Text.Json, source-generated, so an
/// operator can read it with SQL and a commit serializes it without reflection.</summary>
public static class PresenceJson
{
    public static string Serialize(UserPresence presence) => JsonSerializer.Serialize(presence, PresenceJsonContext.Default.UserPresence);

    public static UserPresence Deserialize(string json) =>
        JsonSerializer.Deserialize(json, PresenceJsonContext.Default.UserPresence)
        ?? throw new JsonException("stored presence is null");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UserPresence))]
internal sealed partial class PresenceJsonContext : JsonSerializerContext;
