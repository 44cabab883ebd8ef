using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zones.Api.Infrastructure;

/// <summary>The one JSON shape of the Api: web defaults (camelCase), numbers strictly typed,
/// no NaN/Infinity, unknown properties ignored. HTTP answers, error envelopes and the hub share it.</summary>
public static class ZonesJson
{
    /// <summary>A frozen instance for writers that have no DI at hand (error envelopes, tests).</summary>
    public static JsonSerializerOptions Options { get; } = CreateFrozen();

    public static void Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        // Web defaults read "12" as 12; the contract says wrong types are a VALIDATION_ERROR.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }

    private static JsonSerializerOptions CreateFrozen()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Apply(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
