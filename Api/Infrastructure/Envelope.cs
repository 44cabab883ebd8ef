using System.Text.Json.Serialization;
using Zones.Errors;

namespace Zones.Api.Infrastructure;

/// <summary>The success envelope of API.md: <c>{"success": true, "data": ...}</c>.</summary>
public sealed record Envelope<T>(T Data)
{
    [JsonPropertyOrder(-1)]
    public bool Success => true;
}

/// <summary>A page list: <c>{"success": true, "data": [...], "meta": {"page", "limit", "total"}}</c>.</summary>
public sealed record PagedEnvelope<T>(IReadOnlyList<T> Data, PageMeta Meta)
{
    [JsonPropertyOrder(-1)]
    public bool Success => true;
}

/// <summary>A cursor list: <c>{"success": true, "data": [...], "meta": {"limit", "nextCursor"}}</c>.</summary>
public sealed record CursorEnvelope<T>(IReadOnlyList<T> Data, CursorMeta Meta)
{
    [JsonPropertyOrder(-1)]
    public bool Success => true;
}

public sealed record PageMeta(int Page, int Limit, int Total);

public sealed record CursorMeta(int Limit, string? NextCursor);

/// <summary>The error envelope, written for every 4xx and 5xx answer.</summary>
public sealed record ErrorEnvelope(ErrorBody Error, string RequestId)
{
    [JsonPropertyOrder(-1)]
    public bool Success => false;
}

/// <summary>The <c>error</c> object; <see cref="Details"/> is left out when there is nothing to list.</summary>
public sealed record ErrorBody(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ErrorDetail>? Details = null);
