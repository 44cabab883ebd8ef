using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Zones.Geofencing;

/// <summary>Derives an activity's id from what identifies the transition: (user, zone, visit number, type).
/// A name-based UUID (RFC 9562 version 5: SHA-1 over a fixed namespace and the name's bytes), so a replayed
/// ping after a crash, or a resent batch, produces the same id and the insert's conflict check drops it.</summary>
public static class ActivityIds
{
    /// <summary>The namespace of Zones activity ids. Never change it: every stored id depends on it.</summary>
    public static readonly Guid Namespace = new("c81d0932-3be3-4646-be30-0efa5d99cd6d");

    public static Guid For(Guid userId, Guid zoneId, int visit, string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var typeLength = Encoding.UTF8.GetByteCount(type);
        var length = 16 + 16 + 16 + 4 + typeLength;
        Span<byte> name = length <= 256 ? stackalloc byte[length] : new byte[length];

        // Big-endian (RFC) byte order for the Guids, so the id does not depend on .NET's internal layout.
        Namespace.TryWriteBytes(name[..16], bigEndian: true, out _);
        userId.TryWriteBytes(name[16..32], bigEndian: true, out _);
        zoneId.TryWriteBytes(name[32..48], bigEndian: true, out _);
        BinaryPrimitives.WriteInt32BigEndian(name[48..52], visit);
        Encoding.UTF8.GetBytes(type, name[52..]);

        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(name, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }
}
