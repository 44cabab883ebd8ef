using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Zones.Api.Infrastructure;

/// <summary>The edge's security settings (sections <c>Https</c>, <c>ForwardedHeaders</c>, <c>Cors</c>).</summary>
public sealed class EdgeSecurityOptions
{
    /// <summary><c>Https:Redirect</c>: redirect plain HTTP to HTTPS (outside Development). Off by default: a node
    /// behind a TLS-terminating load balancer receives plain HTTP and must not bounce it.</summary>
    public bool HttpsRedirect { get; set; }

    /// <summary><c>ForwardedHeaders:KnownProxies</c>: addresses whose X-Forwarded-For/Proto are believed.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary><c>ForwardedHeaders:KnownNetworks</c>: CIDR ranges whose X-Forwarded-For/Proto are believed.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary><c>Cors:AllowedOrigins</c>: browser origins allowed to call the Api and the hub; empty = none.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    public static EdgeSecurityOptions From(IConfiguration configuration) => new()
    {
        HttpsRedirect = configuration.GetValue("Https:Redirect", false),
        KnownProxies = configuration.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [],
        KnownNetworks = configuration.GetSection("ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [],
        AllowedOrigins = configuration.GetSection("Cors:AllowedOrigins").Get<string[]>() ?? [],
    };
}

public static class SecurityExtensions
{
    /// <summary>Forwarded headers from the configured proxies only, HSTS, and the CORS allow-list.</summary>
    public static WebApplicationBuilder AddZonesSecurity(this WebApplicationBuilder builder)
    {
        var options = EdgeSecurityOptions.From(builder.Configuration);
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only what the operator lists: the loopback defaults would let any local process claim HTTPS.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in options.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in options.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = true;
        });
        builder.Services.AddCors(o => o.AddDefaultPolicy(policy =>
        {
            // Credentials so that browsers may send the hub's cookies/auth on the WebSocket and negotiate calls.
            policy.WithOrigins(options.AllowedOrigins).AllowAnyHeader().AllowAnyMethod().AllowCredentials()
                .WithExposedHeaders(RequestIds.HeaderName);
        }));
        builder.Services.AddSingleton(options);
        return builder;
    }

    /// <summary>Outermost: forwarded headers (so scheme and client address are right for everything below), then
    /// HSTS and the HTTPS redirect outside Development.</summary>
    public static WebApplication UseZonesTransportSecurity(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<EdgeSecurityOptions>();
        if (options.KnownProxies.Length > 0 || options.KnownNetworks.Length > 0)
        {
            app.UseForwardedHeaders();
        }

        if (!app.Environment.IsDevelopment())
        {
            // HSTS is sent on HTTPS answers only (including those the balancer forwarded as https).
            app.UseHsts();
            if (options.HttpsRedirect)
            {
                app.UseHttpsRedirection();
            }
        }

        return app;
    }

    /// <summary>The CORS allow-list, after routing; no middleware at all when the list is empty (no cross-origin
    /// access: browsers get no Access-Control-Allow-Origin).</summary>
    public static WebApplication UseZonesCors(this WebApplication app)
    {
        if (app.Services.GetRequiredService<EdgeSecurityOptions>().AllowedOrigins.Length > 0)
        {
            app.UseCors();
        }

        return app;
    }
}

/// <summary>Headers every Api answer carries: the Api serves JSON only, so nothing may sniff, frame or embed it.</summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static void Apply(IHeaderDictionary headers)
    {
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        // An answer that set its own policy keeps it (only the Development API reference page does).
        headers.TryAdd(Microsoft.Net.Http.Headers.HeaderNames.ContentSecurityPolicy, ContentSecurityPolicy);
    }
}
