using System.Net;
using Orleans.Dashboard;

namespace Zones.Silo.Observability;

/// <summary>Orleans' own dashboard (grains, calls, silos) on a silo's HTTP port (configuration section
/// <c>OrleansDashboard</c>). Off by default: it profiles grain calls while someone watches, and it shows
/// grain state and live logs, so it answers only requests from loopback or private networks.</summary>
public sealed class OrleansDashboardSettings
{
    public const string Section = "OrleansDashboard";

    /// <summary>Turns the dashboard on. Set it on every silo of a cluster, or on none.</summary>
    public bool Enabled { get; set; }

    /// <summary>Where the dashboard is served on the silo's HTTP endpoint.</summary>
    public string Path { get; set; } = "/dashboard";

    /// <summary>Hides the live log stream (it shows every silo's log lines).</summary>
    public bool HideTrace { get; set; } = true;

    /// <summary>Client networks allowed besides loopback, in CIDR notation; by default the private ranges.
    /// Requests from anywhere else get 403.</summary>
    public string[] AllowedNetworks { get; set; } =
        ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"];

    public static OrleansDashboardSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var settings = section.Get<OrleansDashboardSettings>() ?? new OrleansDashboardSettings();
        // The binder appends configured array items to the defaults; configured networks replace them instead.
        if (section.GetSection(nameof(AllowedNetworks)).Get<string[]>() is { Length: > 0 } networks)
        {
            settings.AllowedNetworks = networks;
        }

        return settings;
    }

    /// <summary>True when a request from <paramref name="client"/> may see the dashboard.</summary>
    public bool Allows(IPAddress? client)
    {
        if (client is null)
        {
            return false;
        }

        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        return IPAddress.IsLoopback(client) || AllowedNetworks.Any(network => IPNetwork.Parse(network).Contains(client));
    }
}

public static class OrleansDashboardExtensions
{
    /// <summary>Adds the dashboard's grains and profiler to the silo when <c>OrleansDashboard:Enabled</c> is true.</summary>
    public static ISiloBuilder AddZonesOrleansDashboard(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = OrleansDashboardSettings.From(configuration);
        if (settings.Enabled)
        {
            silo.AddDashboard(o => o.HideTrace = settings.HideTrace);
        }

        return silo;
    }

    /// <summary>Serves the dashboard under <see cref="OrleansDashboardSettings.Path"/> to loopback and the allowed
    /// networks only, when it is enabled.</summary>
    public static WebApplication MapZonesOrleansDashboard(this WebApplication app)
    {
        var settings = OrleansDashboardSettings.From(app.Configuration);
        if (!settings.Enabled)
        {
            return app;
        }

        var path = new PathString(settings.Path.TrimEnd('/'));
        app.UseWhen(http => http.Request.Path.StartsWithSegments(path), branch => branch.Use(async (http, next) =>
        {
            if (!settings.Allows(http.Connection.RemoteIpAddress))
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }

            await next(http);
        }));
        app.MapOrleansDashboard(path.Value);
        return app;
    }
}
