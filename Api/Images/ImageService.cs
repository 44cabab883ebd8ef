using Microsoft.Extensions.Options;

namespace Zones.Api.Images;

/// <summary>An image stored for a user or zone: its key and the URL clients get.</summary>
public sealed record StoredImage(string Key, string Url);

/// <summary>Transcodes uploads (a few at a time: decoding is CPU and memory heavy), stores them under new keys,
/// and removes images that nothing refers to any more.</summary>
public sealed partial class ImageService(IImageStore store, IOptions<ImageOptions> options, ILogger<ImageService> logger) : IDisposable
{
    private readonly SemaphoreSlim _transcodes = new(
        options.Value.MaxConcurrentTranscodes > 0 ? options.Value.MaxConcurrentTranscodes : Environment.ProcessorCount);

    public IImageStore Store => store;

    public async Task<StoredImage> StoreAsync(byte[] upload, CancellationToken cancellationToken)
    {
        TranscodedImage image;
        await _transcodes.WaitAsync(cancellationToken);
        try
        {
            image = ImageTranscoder.Transcode(upload, options.Value);
        }
        finally
        {
            _transcodes.Release();
        }

        var key = ImageKeys.New();
        await store.SaveAsync(key, image.Content, cancellationToken);
        ImageStored(logger, key, image.Width, image.Height, upload.Length, image.Content.Length);
        return new StoredImage(key, options.Value.PublicBaseUrl.TrimEnd('/') + ImageKeys.RoutePrefix + "/" + key);
    }

    /// <summary>Removes the image behind a URL this Api handed out; anything else is left alone. A failure is
    /// logged, not thrown: the change it follows has happened, and an orphaned file costs only space.</summary>
    public async Task DeleteQuietlyAsync(string? url)
    {
        if (ImageKeys.FromUrl(url) is not { } key)
        {
            return;
        }

        try
        {
            await store.DeleteAsync(key, CancellationToken.None);
            ImageDeleted(logger, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ImageNotDeleted(logger, e, key);
        }
    }

    public void Dispose() => _transcodes.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageKey} stored ({Width}x{Height}, {UploadBytes} bytes uploaded, {StoredBytes} stored)")]
    private static partial void ImageStored(ILogger logger, string imageKey, int width, int height, int uploadBytes, int storedBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageKey} deleted")]
    private static partial void ImageDeleted(ILogger logger, string imageKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image {ImageKey} could not be deleted; the file is orphaned")]
    private static partial void ImageNotDeleted(ILogger logger, Exception exception, string imageKey);
}
