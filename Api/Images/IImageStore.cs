namespace Zones.Api.Images;

/// <summary>Where image bytes live, by key (<see cref="ImageKeys"/>). The default keeps files in a directory that
/// every Api node must share; an object store (S3, Azure Blob, ...) fits the same three calls.</summary>
public interface IImageStore
{
    /// <summary>Stores the bytes under a new key, all or nothing: a reader never sees a partial image.</summary>
    Task SaveAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The stored bytes, or null for an unknown key.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Removes the image; an unknown key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}
