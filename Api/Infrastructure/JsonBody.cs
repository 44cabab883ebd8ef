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

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw ApiErrors.PayloadTooLarge(MaxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return ParseObject(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

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
