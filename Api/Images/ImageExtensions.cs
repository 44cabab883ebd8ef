namespace Zones.Api.Images;

public static class ImageExtensions
{
    /// <summary>Image options (section <c>Images</c>, checked at start), the file store and the upload service.
    /// A deployment with an object store registers its own <see cref="IImageStore"/> instead.</summary>
    public static WebApplicationBuilder AddZonesImages(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImageOptions>().BindConfiguration(ImageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IImageStore, FileImageStore>();
        builder.Services.AddSingleton<ImageService>();
        return builder;
    }
}
