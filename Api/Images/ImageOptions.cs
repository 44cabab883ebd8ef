using System.ComponentModel.DataAnnotations;

namespace Zones.Api.Images;

/// <summary>The <c>Images</c> section: where uploaded images are kept and how they are re-encoded.</summary>
public sealed class ImageOptions
{
    public const string Section = "Images";

    /// <summary>API.md: an upload is at most 5 MiB.</summary>
    public const long MaxUploadBytes = 5 * 1024 * 1024;

    /// <summary>Where the file store keeps images; relative paths are under the content root. Every Api node must
    /// see the same directory (a shared volume), or the store must be swapped for an object store.</summary>
    [Required]
    public string Directory { get; set; } = "data/images";

    /// <summary>Prefix of the URLs handed to clients (e.g. <c>https://cdn.example.com</c>); empty gives
    /// root-relative URLs (<c>/api/v1/images/...</c>) that resolve against the Api's own address.</summary>
    public string PublicBaseUrl { get; set; } = string.Empty;

    /// <summary>The longest side of a stored image, in pixels; larger images are scaled down, never up.</summary>
    [Range(64, 4096)]
    public int MaxSide { get; set; } = 1024;

    /// <summary>WebP quality, 1 to 100.</summary>
    [Range(1, 100)]
    public int Quality { get; set; } = 80;

    /// <summary>Decompression-bomb guard: an upload whose header declares more pixels than this is refused
    /// before any pixel is decoded (40 MP decodes to 160 MB).</summary>
    [Range(1, 100_000_000)]
    public long MaxSourcePixels { get; set; } = 40_000_000;

    /// <summary>Decompression-bomb guard: the longest side an upload may declare.</summary>
    [Range(1, 65_535)]
    public int MaxSourceSide { get; set; } = 16_384;

    /// <summary>How many images one node decodes at once (each may hold <see cref="MaxSourcePixels"/> x 4 bytes);
    /// 0 means one per processor.</summary>
    [Range(0, 256)]
    public int MaxConcurrentTranscodes { get; set; }
}
