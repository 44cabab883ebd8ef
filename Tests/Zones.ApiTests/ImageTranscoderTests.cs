using SkiaSharp;
using Zones.Api.Images;

namespace Zones.ApiTests;

/// <summary>The re-encoding on its own: every EXIF orientation comes out upright, transparency survives, and only
/// URLs this Api made name a file to delete.</summary>
public sealed class ImageTranscoderTests
{
    private static readonly ImageOptions Options = new();

    /// <summary>The stored picture is 300x200, red on its left half; where red ends up shows the turn.</summary>
    [Theory]
    [InlineData(1, 300, 200, "left")]
    [InlineData(2, 300, 200, "right")]
    [InlineData(3, 300, 200, "right")]
    [InlineData(4, 300, 200, "left")]
    [InlineData(5, 200, 300, "top")]
    [InlineData(6, 200, 300, "top")]
    [InlineData(7, 200, 300, "bottom")]
    [InlineData(8, 200, 300, "bottom")]
    public void Every_exif_orientation_is_turned_upright(ushort orientation, int width, int height, string redSide)
    {
        var image = ImageTranscoder.Transcode(TestImages.JpegWithExif(300, 200, orientation), Options);

        Assert.Equal((width, height), (image.Width, image.Height));
        var (x, y) = redSide switch
        {
            "left" => (10, height / 2),
            "right" => (width - 10, height / 2),
            "top" => (width / 2, 10),
            _ => (width / 2, height - 10),
        };
        var pixel = TestImages.Inspect(image.Content, x, y).Pixel;
        Assert.True(pixel.Red > 200 && pixel.Blue < 60, $"red expected at the {redSide}, found {pixel}");
    }

    [Fact]
    public void A_transparent_png_keeps_its_transparency()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(40, 40, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.Green })
        {
            canvas.DrawRect(20, 0, 20, 40, paint);
        }

        using var png = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);

        var image = ImageTranscoder.Transcode(png.ToArray(), Options);

        Assert.Equal(0, TestImages.Inspect(image.Content, 5, 20).Pixel.Alpha);
        Assert.Equal(255, TestImages.Inspect(image.Content, 30, 20).Pixel.Alpha);
    }

    [Theory]
    [InlineData("/api/v1/images/0123456789abcdef0123456789abcdef.webp", "0123456789abcdef0123456789abcdef.webp")]
    [InlineData("https://cdn.example.com/api/v1/images/0123456789abcdef0123456789abcdef.webp", "0123456789abcdef0123456789abcdef.webp")]
    [InlineData("https://example.com/avatar/0123456789abcdef0123456789abcdef.webp", null)]
    [InlineData("/api/v1/images/../0123456789abcdef0123456789abcdef.webp", null)]
    [InlineData("/api/v1/images/secret.txt", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Only_urls_this_api_handed_out_name_an_image(string? url, string? key)
    {
        Assert.Equal(key, ImageKeys.FromUrl(url));
    }
}
