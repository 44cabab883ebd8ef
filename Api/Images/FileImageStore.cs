using Microsoft.Extensions.Options;

namespace Zones.Api.Images;

/// <summary>Images as files under <see cref="ImageOptions.Directory"/>, spread over 256 sub-directories by the
/// key's first two characters. A write goes to a temporary file in the same directory and is renamed into
/// place, which is atomic on one file system (also on NFS), so readers see the whole image or nothing.</summary>
public sealed class FileImageStore : IImageStore
{
    private readonly string _root;

    public FileImageStore(IOptions<ImageOptions> options, IHostEnvironment environment)
    {
        _root = Path.GetFullPath(options.Value.Directory, environment.ContentRootPath);
        Directory.CreateDirectory(_root);
    }

    /// <summary>The full path of the directory that holds the images.</summary>
    public string Root => _root;

    public async Task SaveAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: false);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            Stream stream = new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 0,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            File.Delete(PathOf(key));
        }
        catch (DirectoryNotFoundException)
        {
            // Never stored here: nothing to remove.
        }

        return Task.CompletedTask;
    }

    private string PathOf(string key)
    {
        if (!ImageKeys.IsValid(key))
        {
            throw new ArgumentException("Not an image key", nameof(key));
        }

        return Path.Combine(_root, key[..2], key);
    }
}
