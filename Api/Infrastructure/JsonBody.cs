using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Zones.Api.Infrastructure;

/// <summary>Reads a JSON request body ourselves rather than through model binding, so that every kind of
/// bad input (wrong media type, too large, malformed, not an object) becomes the right error envelope.</summary>
public static class JsonBody
{
    /// <summary>1 MiB: a batch of 1,000 pings with every optional field is about 150 KiB.</summary>
    public const long MaxBytes = 1024 * 1024;

    /// <summary>The details field that names the body itself.</summary>
    public const string Field = "body";

    public static async Task<JsonElement> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        var body = await ReadAsync(request, cancellationToken);
        try
        {
            return ParseObject(body.Content);
        }
        finally
        {
            body.Release();
        }
    }

    /// <summary>The whole body, read from the request's pipe without copying it into a stream first. The caller
    /// parses <see cref="Body.Content"/> and then calls <see cref="Body.Release"/>.</summary>
    public static async ValueTask<Body> ReadAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        if (!request.HasJsonContentType())
        {
            throw ApiErrors.UnsupportedMediaType();
        }

        if (request.ContentLength > MaxBytes)
        {
            throw ApiErrors.PayloadTooLarge(MaxBytes);
        }

        // Kestrel enforces it too for chunked bodies; the counting below covers hosts that do not (TestServer).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBytes;
        }

        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length > MaxBytes)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw ApiErrors.PayloadTooLarge(MaxBytes);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                return new Body(reader, result.Buffer);
            }

            // Nothing consumed yet: ask for more, keeping all of it.
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>A request body held in the request's pipe until <see cref="Release"/>.</summary>
    public readonly struct Body(PipeReader reader, ReadOnlySequence<byte> content)
    {
        public ReadOnlySequence<byte> Content { get; } = content;

        public void Release() => reader.AdvanceTo(Content.End);
    }

    /// <summary>Parses a body held in the request pipe (<see cref="ReadAsync"/>) that must be one JSON object.</summary>
    public static JsonElement ParseObject(in ReadOnlySequence<byte> utf8) =>
        ParseObject(utf8.IsSingleSegment ? utf8.First : utf8.ToArray());

    /// <summary>Parses a body that must be one JSON object.</summary>
    public static JsonElement ParseObject(ReadOnlyMemory<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            throw ApiErrors.Validation(Field, "is required");
        }

        try
        {
            using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw ApiErrors.Validation(Field, "must be a JSON object");
            }

            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            var where = exception.LineNumber is { } line
                ? $" (line {line + 1}, position {exception.BytePositionInLine + 1})"
                : string.Empty;
            throw ApiErrors.Validation(Field, $"is not valid JSON{where}");
        }
    }
}
