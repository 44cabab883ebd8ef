using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Zones.Api.Limits;

/// <summary>The key the per-IP limits count under: the client's address (after forwarded headers from the
/// configured proxies), an IPv6 address by its /64 (one host usually owns a whole /64, so counting single
/// addresses would let it pick a fresh one per request), or null when the address is exempt.</summary>
public sealed class ClientAddresses(IOptions<RateLimitOptions> options)
{
    /// <summary>For a connection without an address (a test server, a Unix socket): one shared key.</summary>
    public const string Unknown = "unknown";

    private readonly System.Net.IPNetwork[] _exempt = [.. options.Value.ExemptNetworks.Select(n => System.Net.IPNetwork.Parse(n))];

    public string? KeyOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _exempt)
        {
            if (network.Contains(address))
            {
                return null;
            }
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }
}
