using Microsoft.AspNetCore.Http.Metadata;

namespace Zones.Api.Infrastructure;

/// <summary>Response metadata shared by whole groups (group builders have no <c>Produces</c>).</summary>
public static class OpenApiMetadata
{
    public static readonly IProducesResponseTypeMetadata Unauthorized =
        new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ErrorEnvelope), ["application/json"]);
}
