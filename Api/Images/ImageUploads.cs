using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Zones.Api.Infrastructure;
using Zones.Errors;

namespace Zones.Api.Images;

/// <summary>Reads the <c>file</c> part of a multipart/form-data upload, enforcing the 5 MiB limit.</summary>
public static class ImageUploads
{
    /// <summary>The whole request may carry the file plus the multipart framing and a few small fields.</summary>
    public const long MaxRequestBytes = ImageOptions.MaxUploadBytes + 64 * 1024;

    public static async Task<byte[]> ReadFileAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || mediaType.Boundary.Length == 0)
        {
            throw new ZonesException(ErrorCodes.UnsupportedMediaType,
                "The request body must be multipart/form-data with the image in a part named 'file'");
        }

        if (request.ContentLength > MaxRequestBytes)
        {
            throw TooLarge();
        }

        // Kestrel stops a longer (chunked) body with 413 itself.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxRequestBytes;
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { ValueCountLimit = 16, MultipartBodyLengthLimit = MaxRequestBytes }, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            // A chunked body has no length to check up front; the form reader says when it passed the limit.
            throw e.Message.StartsWith("Multipart body length limit", StringComparison.Ordinal)
                ? TooLarge()
                : ApiErrors.Validation(ImageTranscoder.Field, "the multipart body is malformed");
        }

        var file = form.Files.GetFile(ImageTranscoder.Field);
        if (file is null)
        {
            throw ApiErrors.Validation(ImageTranscoder.Field, form.ContainsKey(ImageTranscoder.Field) ? "must be a file" : "is required");
        }

        if (file.Length > ImageOptions.MaxUploadBytes)
        {
            throw TooLarge();
        }

        if (file.Length == 0)
        {
            throw ApiErrors.Validation(ImageTranscoder.Field, "is empty");
        }

        var content = new byte[file.Length];
        await using var stream = file.OpenReadStream();
        await stream.ReadExactlyAsync(content, cancellationToken);
        return content;
    }

    private static ZonesException TooLarge() =>
        new(ErrorCodes.PayloadTooLarge, $"The image is larger than {ImageOptions.MaxUploadBytes} bytes (5 MiB)");
}
