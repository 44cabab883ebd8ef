using SkiaSharp;
using Zones.Api.Infrastructure;
using Zones.Errors;

namespace Zones.Api.Images;

/// <summary>A stored image: WebP bytes and their size in pixels.</summary>
public sealed record TranscodedImage(byte[] Content, int Width, int Height);

/// <summary>Turns an upload into the one stored form: decoded by its content (JPEG, PNG or WebP, whatever the name
/// or header say), turned upright by its EXIF orientation, converted to sRGB, scaled to fit
/// <see cref="ImageOptions.MaxSide"/>, and encoded afresh as WebP. Re-encoding from pixels keeps nothing of the
/// upload's metadata (EXIF with GPS, XMP, IPTC, ICC profiles, comments).</summary>
/// <remarks>Skia decodes here: it is the decoder browsers feed hostile images to, fuzzed continuously. The header is
/// read first and an image that declares too many pixels is refused before any pixel is decoded.</remarks>
public static class ImageTranscoder
{
    public const string Field = "file";

    public static TranscodedImage Transcode(ReadOnlySpan<byte> upload, ImageOptions options)
    {
        using var data = SKData.CreateCopy(upload);
        using var codec = SKCodec.Create(data) ?? throw NotAnImage();
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png or SKEncodedImageFormat.Webp))
        {
            throw NotAnImage();
        }

        var declared = codec.Info;
        if (declared.Width <= 0 || declared.Height <= 0
            || Math.Max(declared.Width, declared.Height) > options.MaxSourceSide
            || (long)declared.Width * declared.Height > options.MaxSourcePixels)
        {
            throw ApiErrors.Validation(Field,
                $"is {declared.Width}x{declared.Height} pixels; at most {options.MaxSourcePixels / 1_000_000.0:0.#} megapixels and {options.MaxSourceSide} pixels a side are accepted");
        }

        var opaque = declared.AlphaType == SKAlphaType.Opaque;
        using var decoded = Decode(codec, options.MaxSide, opaque);
        var origin = codec.EncodedOrigin;
        return Encode(decoded, origin, options, opaque);
    }

    private static SKBitmap Decode(SKCodec codec, int maxSide, bool opaque)
    {
        // JPEG and WebP decode at 1/2, 1/4, 1/8 directly, which spares most of the memory of a large photo; take
        // the smallest such size that still covers the target.
        var size = codec.Info.Size;
        var scale = (float)maxSide / Math.Max(size.Width, size.Height);
        if (scale < 1)
        {
            var scaled = codec.GetScaledDimensions(scale);
            if (Math.Max(scaled.Width, scaled.Height) >= maxSide)
            {
                size = scaled;
            }
        }

        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888,
            opaque ? SKAlphaType.Opaque : SKAlphaType.Premul, SKColorSpace.CreateSrgb());
        var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(info))
        {
            bitmap.Dispose();
            throw new InsufficientMemoryException($"Could not allocate {info.BytesSize64} bytes for an image");
        }

        // Only a complete decode counts: Skia fills the rest of a truncated image and says IncompleteInput.
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw ApiErrors.Validation(Field, "is not a complete, valid image");
        }

        bitmap.NotifyPixelsChanged();
        return bitmap;
    }

    private static TranscodedImage Encode(SKBitmap decoded, SKEncodedOrigin origin, ImageOptions options, bool opaque)
    {
        var fit = Math.Min(1.0, (double)options.MaxSide / Math.Max(decoded.Width, decoded.Height));
        var width = Math.Max(1, (int)Math.Round(decoded.Width * fit));
        var height = Math.Max(1, (int)Math.Round(decoded.Height * fit));
        var swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (outWidth, outHeight) = swaps ? (height, width) : (width, height);

        // No colour space on the output: the pixels are already sRGB, and an encoder writes no ICC profile then.
        var outInfo = new SKImageInfo(outWidth, outHeight, SKColorType.Rgba8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Premul);
        using var output = new SKBitmap(outInfo);
        using (var canvas = new SKCanvas(output))
        {
            canvas.Clear(SKColors.Transparent);
            canvas.SetMatrix(Orientation(origin, width, height));
            using var image = SKImage.FromBitmap(decoded);
            canvas.DrawImage(image, new SKRect(0, 0, width, height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }

        using var pixmap = output.PeekPixels();
        using var encoded = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, options.Quality))
            ?? throw new InvalidOperationException("The WebP encoder failed");
        return new TranscodedImage(encoded.ToArray(), outWidth, outHeight);
    }

    /// <summary>Maps the stored picture (<paramref name="width"/> x <paramref name="height"/>) onto the upright one,
    /// per the EXIF orientation: which stored edge is the visual top and left.</summary>
    internal static SKMatrix Orientation(SKEncodedOrigin origin, float width, float height) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, width, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, width, 0, -1, height, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, height, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, height, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, height, -1, 0, width, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, width, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    private static ZonesException NotAnImage() =>
        new(ErrorCodes.UnsupportedMediaType, "The file must be a JPEG, PNG or WebP image");
}
