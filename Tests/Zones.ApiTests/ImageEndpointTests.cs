using System.Net.Http.Headers;
using SkiaSharp;
using Zones.ApiTests.Host;

namespace Zones.ApiTests;

/// <summary>Profile and zone images: what is accepted (by content), what is refused with which error, what is
/// stored (upright, bounded, no metadata) and how it is served, on the real pipeline with fake grains and the real
/// file store in a temporary directory.</summary>
public sealed class ImageEndpointTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string ProfileImage = "/api/v1/users/me/image";

    private Task<TestResponse> Send(HttpMethod method, string path, string? body = null, string? token = null) =>
        host.Server.SendAsync(method, path, body, "application/json", token);

    private async Task<string> RegisterAsync()
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..12];
        var response = await Send(HttpMethod.Post, "/api/v1/auth/register",
            $$"""{"email":"{{name}}@example.com","password":"password1","username":"{{name}}","name":"{{name}}"}""");
        Assert.Equal(201, response.Status);
        return response.Json.GetProperty("data").GetProperty("accessToken").GetString()!;
    }

    private async Task<string> CreateZoneAsync(string token)
    {
        var response = await Send(HttpMethod.Post, "/api/v1/zones", """{"title":"Home","latitude":52.5,"longitude":13.4}""", token);
        Assert.Equal(201, response.Status);
        return response.Json.GetProperty("data").GetProperty("id").GetString()!;
    }

    private async Task<TestResponse> UploadAsync(string path, string? token, byte[] file, string fileName = "photo.jpg",
        string fileType = "image/jpeg", string field = "file")
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue(fileType);
        form.Add(part, field, fileName);
        var body = await form.ReadAsByteArrayAsync();
        return await host.Server.SendBytesAsync(HttpMethod.Put, path, body, form.Headers.ContentType!.ToString(), token);
    }

    private Task<TestResponse> GetAsync(string url, IReadOnlyDictionary<string, string>? headers = null) =>
        host.Server.SendBytesAsync(HttpMethod.Get, url, null, null, headers: headers);

    private static string ImageUrl(TestResponse response, string property = "profileImageUrl") =>
        response.Json.GetProperty("data").GetProperty(property).GetString()!;

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public async Task A_profile_image_in_any_accepted_format_is_served_back_as_webp_from_the_url_in_the_user(SKEncodedImageFormat format)
    {
        var token = await RegisterAsync();

        var upload = await UploadAsync(ProfileImage, token, TestImages.Make(format, 300, 200), fileName: "no-extension");
        Assert.Equal(200, upload.Status);
        var url = ImageUrl(upload);
        Assert.StartsWith("/api/v1/images/", url);
        var me = await Send(HttpMethod.Get, "/api/v1/users/me", token: token);
        Assert.Equal(url, ImageUrl(me));

        var served = await GetAsync(url);
        Assert.Equal(200, served.Status);
        Assert.Equal("image/webp", served.Headers.ContentType.ToString());
        Assert.Equal("public, max-age=31536000, immutable", served.Headers.CacheControl.ToString());
        var (width, height, _, left) = TestImages.Inspect(served.Content, 10, 100);
        Assert.Equal((300, 200), (width, height));
        Assert.True(left.Red > 200 && left.Blue < 60, $"the left half stays red, was {left}");
    }

    [Fact]
    public async Task A_phone_photo_is_turned_upright_and_loses_its_exif_and_gps()
    {
        var token = await RegisterAsync();
        // Stored sideways (red left, blue right) with orientation 6: shown turned 90 degrees clockwise.
        var photo = TestImages.JpegWithExif(300, 200, orientation: 6);
        Assert.Equal(SKEncodedOrigin.RightTop, TestImages.Inspect(photo, 0, 0).Origin);

        var upload = await UploadAsync(ProfileImage, token, photo);
        var served = await GetAsync(ImageUrl(upload));

        Assert.Equal(200, served.Status);
        var chunks = TestImages.WebpChunks(served.Content);
        Assert.DoesNotContain("EXIF", chunks);
        Assert.DoesNotContain("XMP ", chunks);
        Assert.DoesNotContain("ICCP", chunks);
        var (width, height, origin, top) = TestImages.Inspect(served.Content, 100, 10);
        Assert.Equal((200, 300, SKEncodedOrigin.TopLeft), (width, height, origin));
        Assert.True(top.Red > 200 && top.Blue < 60, $"the stored left (red) is the visual top, was {top}");
    }

    [Fact]
    public async Task A_large_picture_is_scaled_down_to_1024_pixels_on_its_longest_side()
    {
        var token = await RegisterAsync();

        var upload = await UploadAsync(ProfileImage, token, TestImages.Make(SKEncodedImageFormat.Png, 3000, 1500), "big.png", "image/png");
        var served = await GetAsync(ImageUrl(upload));

        var (width, height, _, _) = TestImages.Inspect(served.Content, 0, 0);
        Assert.Equal((1024, 512), (width, height));
    }

    [Fact]
    public async Task An_upload_over_5_MiB_is_413()
    {
        var token = await RegisterAsync();
        var file = new byte[5 * 1024 * 1024 + 1];
        TestImages.Make(SKEncodedImageFormat.Png, 10, 10).CopyTo(file, 0);

        var response = await UploadAsync(ProfileImage, token, file, "big.png", "image/png");

        Assert.Equal(413, response.Status);
        Assert.Equal("PAYLOAD_TOO_LARGE", response.ErrorCode);
    }

    [Fact]
    public async Task A_text_file_named_png_is_415_whatever_its_name_and_type_say()
    {
        var token = await RegisterAsync();

        var response = await UploadAsync(ProfileImage, token, "this is not a picture"u8.ToArray(), "photo.png", "image/png");

        Assert.Equal(415, response.Status);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", response.ErrorCode);
        Assert.False(response.Json.GetProperty("success").GetBoolean());
        var me = await Send(HttpMethod.Get, "/api/v1/users/me", token: token);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, me.Json.GetProperty("data").GetProperty("profileImageUrl").ValueKind);
    }

    [Fact]
    public async Task A_png_signature_followed_by_junk_is_refused()
    {
        var token = await RegisterAsync();
        var junk = new byte[4096];
        new Random(7).NextBytes(junk);
        byte[] file = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. junk];

        var response = await UploadAsync(ProfileImage, token, file, "photo.png", "image/png");

        Assert.Equal(415, response.Status);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", response.ErrorCode);
    }

    [Fact]
    public async Task A_truncated_jpeg_is_a_validation_error()
    {
        var token = await RegisterAsync();
        var jpeg = TestImages.Make(SKEncodedImageFormat.Jpeg, 400, 300);

        var response = await UploadAsync(ProfileImage, token, jpeg[..(jpeg.Length / 2)]);

        Assert.Equal(400, response.Status);
        Assert.Equal("VALIDATION_ERROR", response.ErrorCode);
    }

    [Fact]
    public async Task A_gif_is_415_because_only_jpeg_png_and_webp_are_accepted()
    {
        var token = await RegisterAsync();
        var gif = Convert.FromHexString("47494638396101000100800000FFFFFF00000021F90401000000002C00000000010001000002024401003B");

        var response = await UploadAsync(ProfileImage, token, gif, "photo.jpg", "image/jpeg");

        Assert.Equal(415, response.Status);
    }

    [Fact]
    public async Task A_picture_that_declares_a_huge_size_is_refused_before_it_is_decoded()
    {
        var token = await RegisterAsync();

        var response = await UploadAsync(ProfileImage, token, TestImages.PngDeclaring(100_000, 100_000), "bomb.png", "image/png");

        Assert.Equal(400, response.Status);
        Assert.Equal("VALIDATION_ERROR", response.ErrorCode);
        var detail = response.Json.GetProperty("error").GetProperty("details")[0];
        Assert.Equal("file", detail.GetProperty("field").GetString());
        Assert.Contains("100000x100000", detail.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_upload_without_a_file_part_is_a_validation_error_and_a_json_body_is_415()
    {
        var token = await RegisterAsync();

        var missing = await UploadAsync(ProfileImage, token, TestImages.Make(SKEncodedImageFormat.Png, 4, 4), field: "picture");
        var json = await Send(HttpMethod.Put, ProfileImage, """{"file":"aGVsbG8="}""", token);

        Assert.Equal(400, missing.Status);
        Assert.Equal("file", missing.Json.GetProperty("error").GetProperty("details")[0].GetProperty("field").GetString());
        Assert.Equal(415, json.Status);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", json.ErrorCode);
    }

    [Fact]
    public async Task Uploads_need_a_token()
    {
        var response = await UploadAsync(ProfileImage, token: null, TestImages.Make(SKEncodedImageFormat.Png, 4, 4));

        Assert.Equal(401, response.Status);
    }

    [Fact]
    public async Task A_zone_image_is_set_on_the_zone_and_listed_with_it()
    {
        var token = await RegisterAsync();
        var zoneId = await CreateZoneAsync(token);

        var upload = await UploadAsync($"/api/v1/zones/{zoneId}/image", token, TestImages.Make(SKEncodedImageFormat.Jpeg, 64, 64));

        Assert.Equal(200, upload.Status);
        var url = ImageUrl(upload, "imageUrl");
        var zone = await Send(HttpMethod.Get, $"/api/v1/zones/{zoneId}", token: token);
        var list = await Send(HttpMethod.Get, "/api/v1/zones", token: token);
        Assert.Equal(url, ImageUrl(zone, "imageUrl"));
        Assert.Equal(url, list.Json.GetProperty("data")[0].GetProperty("imageUrl").GetString());
        Assert.Equal(200, (await GetAsync(url)).Status);
    }

    [Fact]
    public async Task Another_users_zone_is_404_and_keeps_its_image()
    {
        var owner = await RegisterAsync();
        var stranger = await RegisterAsync();
        var zoneId = await CreateZoneAsync(owner);
        var mine = ImageUrl(await UploadAsync($"/api/v1/zones/{zoneId}/image", owner, TestImages.Make(SKEncodedImageFormat.Png, 8, 8)), "imageUrl");

        var response = await UploadAsync($"/api/v1/zones/{zoneId}/image", stranger, TestImages.Make(SKEncodedImageFormat.Png, 8, 8));

        Assert.Equal(404, response.Status);
        Assert.Equal("NOT_FOUND", response.ErrorCode);
        var zone = await Send(HttpMethod.Get, $"/api/v1/zones/{zoneId}", token: owner);
        Assert.Equal(mine, ImageUrl(zone, "imageUrl"));
    }

    [Fact]
    public async Task Replacing_an_image_gives_a_new_url_and_the_old_one_is_gone()
    {
        var token = await RegisterAsync();
        var first = ImageUrl(await UploadAsync(ProfileImage, token, TestImages.Make(SKEncodedImageFormat.Png, 8, 8)));

        var second = ImageUrl(await UploadAsync(ProfileImage, token, TestImages.Make(SKEncodedImageFormat.Png, 8, 8)));

        Assert.NotEqual(first, second);
        var old = await GetAsync(first);
        Assert.Equal(404, old.Status);
        Assert.Equal("NOT_FOUND", old.ErrorCode);
        Assert.Equal(200, (await GetAsync(second)).Status);
    }

    [Fact]
    public async Task Deleting_a_zone_or_the_account_removes_their_images()
    {
        var token = await RegisterAsync();
        var zoneId = await CreateZoneAsync(token);
        var keptZone = await CreateZoneAsync(token);
        var zoneImage = ImageUrl(await UploadAsync($"/api/v1/zones/{zoneId}/image", token, TestImages.Make(SKEncodedImageFormat.Png, 8, 8)), "imageUrl");
        var keptZoneImage = ImageUrl(await UploadAsync($"/api/v1/zones/{keptZone}/image", token, TestImages.Make(SKEncodedImageFormat.Png, 8, 8)), "imageUrl");
        var profileImage = ImageUrl(await UploadAsync(ProfileImage, token, TestImages.Make(SKEncodedImageFormat.Png, 8, 8)));

        Assert.Equal(204, (await Send(HttpMethod.Delete, $"/api/v1/zones/{zoneId}", token: token)).Status);
        Assert.Equal(404, (await GetAsync(zoneImage)).Status);
        Assert.Equal(200, (await GetAsync(keptZoneImage)).Status);

        Assert.Equal(204, (await Send(HttpMethod.Delete, "/api/v1/users/me", token: token)).Status);
        Assert.Equal(404, (await GetAsync(profileImage)).Status);
        Assert.Equal(404, (await GetAsync(keptZoneImage)).Status);
    }

    [Fact]
    public async Task A_cached_copy_is_confirmed_with_304_by_its_etag()
    {
        var token = await RegisterAsync();
        var url = ImageUrl(await UploadAsync(ProfileImage, token, TestImages.Make(SKEncodedImageFormat.Png, 8, 8)));
        var first = await GetAsync(url);
        var etag = first.Headers.ETag.ToString();

        var again = await GetAsync(url, new Dictionary<string, string> { ["If-None-Match"] = etag });

        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(304, again.Status);
        Assert.Empty(again.Content);
    }

    [Fact]
    public async Task The_openapi_document_describes_both_uploads_as_multipart()
    {
        var paths = (await Send(HttpMethod.Get, "/openapi/v1.json")).Json.GetProperty("paths");

        foreach (var path in new[] { "/api/v1/users/me/image", "/api/v1/zones/{id}/image" })
        {
            var put = paths.GetProperty(path).GetProperty("put");
            Assert.True(put.GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _), path);
            Assert.True(put.GetProperty("responses").TryGetProperty("413", out _), path);
        }

        Assert.True(paths.TryGetProperty("/api/v1/images/{key}", out _));
    }

    [Theory]
    [InlineData("/api/v1/images/0123456789abcdef0123456789abcdef.webp")]
    [InlineData("/api/v1/images/..%2F..%2Fappsettings.json")]
    [InlineData("/api/v1/images/%2E%2E")]
    [InlineData("/api/v1/images/0123456789ABCDEF0123456789ABCDEF.webp")]
    public async Task An_unknown_or_malformed_image_key_is_404(string url)
    {
        var response = await GetAsync(url);

        Assert.Equal(404, response.Status);
        Assert.Equal("NOT_FOUND", response.ErrorCode);
    }
}
