using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace Zones.ApiTests;

/// <summary>Real images made in the test, and a look inside the WebP files the Api serves.</summary>
internal static class TestImages
{
    /// <summary>A picture whose left half is red and right half blue, so orientation shows.</summary>
    public static byte[] Make(SKEncodedImageFormat format, int width, int height, int quality = 90)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            using var red = new SKPaint { Color = SKColors.Red };
            using var blue = new SKPaint { Color = SKColors.Blue };
            canvas.DrawRect(0, 0, width / 2f, height, red);
            canvas.DrawRect(width / 2f, 0, width - width / 2f, height, blue);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A JPEG with an EXIF block that sets the orientation and a GPS position (52.52 N, 13.40 E), as a phone
    /// camera writes it.</summary>
    public static byte[] JpegWithExif(int width, int height, ushort orientation)
    {
        var jpeg = Make(SKEncodedImageFormat.Jpeg, width, height);
        var tiff = new byte[140];
        var span = tiff.AsSpan();
        "II"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], 42);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 8);
        // IFD0 at 8: Orientation and the GPS IFD pointer.
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], 2);
        Entry(span[10..], 0x0112, 3, 1, orientation);
        Entry(span[22..], 0x8825, 4, 1, 38);
        // GPS IFD at 38: latitude and longitude with their references; the rationals follow at 92 and 116.
        BinaryPrimitives.WriteUInt16LittleEndian(span[38..], 4);
        Entry(span[40..], 0x0001, 2, 2, 'N');
        Entry(span[52..], 0x0002, 5, 3, 92);
        Entry(span[64..], 0x0003, 2, 2, 'E');
        Entry(span[76..], 0x0004, 5, 3, 116);
        Rationals(span[92..], (52, 1), (31, 1), (12, 1));
        Rationals(span[116..], (13, 1), (24, 1), (0, 1));

        var header = "Exif\0\0"u8;
        var segment = new byte[4 + header.Length + tiff.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(2 + header.Length + tiff.Length));
        header.CopyTo(segment.AsSpan(4));
        tiff.CopyTo(segment.AsSpan(4 + header.Length));
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    /// <summary>A valid PNG header that declares <paramref name="width"/> x <paramref name="height"/> pixels, with
    /// the data of a 1x1 image behind it: a decompression bomb needs no more to be dangerous to a naive decoder.</summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        var png = Make(SKEncodedImageFormat.Png, 1, 1);
        // Signature (8), IHDR length (4), "IHDR" at 12, width at 16, height at 20, CRC of type+data at 29.
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    /// <summary>The chunk names of a RIFF/WebP file (VP8, VP8L, VP8X, ALPH, EXIF, XMP , ICCP, ...).</summary>
    public static IReadOnlyList<string> WebpChunks(byte[] webp)
    {
        Assert.Equal("RIFF", Encoding.ASCII.GetString(webp, 0, 4));
        Assert.Equal("WEBP", Encoding.ASCII.GetString(webp, 8, 4));
        var chunks = new List<string>();
        for (var at = 12; at + 8 <= webp.Length;)
        {
            chunks.Add(Encoding.ASCII.GetString(webp, at, 4));
            var size = BinaryPrimitives.ReadInt32LittleEndian(webp.AsSpan(at + 4));
            at += 8 + size + (size & 1);
        }

        return chunks;
    }

    /// <summary>Decodes an image: its size, EXIF orientation and the colour at a point.</summary>
    public static (int Width, int Height, SKEncodedOrigin Origin, SKColor Pixel) Inspect(byte[] image, int x, int y)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(image)) ?? throw new InvalidOperationException("not an image");
        using var bitmap = SKBitmap.Decode(codec);
        return (codec.Info.Width, codec.Info.Height, codec.EncodedOrigin, bitmap.GetPixel(x, y));
    }

    private static void Entry(Span<byte> at, ushort tag, ushort type, uint count, uint value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(at, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(at[2..], type);
        BinaryPrimitives.WriteUInt32LittleEndian(at[4..], count);
        BinaryPrimitives.WriteUInt32LittleEndian(at[8..], value);
    }

    private static void Rationals(Span<byte> at, params (uint Numerator, uint Denominator)[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(at[(i * 8)..], values[i].Numerator);
            BinaryPrimitives.WriteUInt32LittleEndian(at[(i * 8 + 4)..], values[i].Denominator);
        }
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
