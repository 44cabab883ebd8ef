using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Zones.Bench;

/// <summary>
/// One keep-alive HTTP/1.1 connection over a plain socket: write a prepared request, read one answer
/// (Content-Length or chunked). HttpClient spends several times the CPU per request, and on a 2-core machine the
/// generator's CPU is taken from the servers it measures; this keeps the generator cheap enough to offer the
/// ceiling node tens of thousands of requests a second. One request at a time per connection (no pipelining).
/// </summary>
public sealed class RawHttpConnection(IPEndPoint endpoint) : IDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();
    private Socket? socket;
    private byte[] buffer = new byte[16 * 1024];
    private byte[] chunked = new byte[16 * 1024];
    private int start;
    private int end;

    public static byte[] RequestPrefix(IPEndPoint endpoint, string path, string token) => Encoding.ASCII.GetBytes(
        $"POST {path} HTTP/1.1\r\nHost: {endpoint}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: ");

    /// <summary>Assembles prefix + length + blank line + body into <paramref name="into"/>.</summary>
    public static ReadOnlyMemory<byte> Compose(byte[] prefix, ReadOnlySpan<byte> body, ref byte[] into)
    {
        var needed = prefix.Length + 16 + body.Length;
        if (into.Length < needed)
        {
            into = new byte[needed * 2];
        }

        prefix.CopyTo(into, 0);
        var at = prefix.Length;
        Utf8Formatter.TryFormat(body.Length, into.AsSpan(at), out var written);
        at += written;
        HeaderEnd.CopyTo(into, at);
        at += HeaderEnd.Length;
        body.CopyTo(into.AsSpan(at));
        return into.AsMemory(0, at + body.Length);
    }

    /// <summary>Sends one request, returns the status and the body (valid until the next call).</summary>
    public async ValueTask<(int Status, ReadOnlyMemory<byte> Body)> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken ct)
    {
        try
        {
            if (socket is null)
            {
                var s = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await s.ConnectAsync(endpoint, ct);
                socket = s;
                start = end = 0;
            }

            while (!request.IsEmpty)
            {
                var sent = await socket.SendAsync(request, SocketFlags.None, ct);
                request = request[sent..];
            }

            return await ReadAnswerAsync(ct);
        }
        catch
        {
            Close();
            throw;
        }
    }

    private async ValueTask<(int Status, ReadOnlyMemory<byte> Body)> ReadAnswerAsync(CancellationToken ct)
    {
        int headerEnd;
        while ((headerEnd = buffer.AsSpan(start, end - start).IndexOf(HeaderEnd)) < 0)
        {
            await FillAsync(ct);
        }

        var head = buffer.AsSpan(start, headerEnd);
        // "HTTP/1.1 200 OK"
        if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
        {
            throw new IOException("malformed HTTP status line");
        }

        var contentLength = -1;
        var isChunked = false;
        var close = false;
        foreach (var range in head.Split(Crlf))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                Utf8Parser.TryParse(value, out contentLength, out _);
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                isChunked = Ascii.EqualsIgnoreCase(value, "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                close = Ascii.EqualsIgnoreCase(value, "close"u8);
            }
        }

        start += headerEnd + HeaderEnd.Length;
        ReadOnlyMemory<byte> body;
        if (isChunked)
        {
            body = await ReadChunkedAsync(ct);
        }
        else
        {
            var length = Math.Max(contentLength, 0);
            while (end - start < length)
            {
                await FillAsync(ct);
            }

            body = buffer.AsMemory(start, length);
            start += length;
        }

        if (close)
        {
            // The body stays readable: Close only drops the socket, the buffer is kept until the next call.
            socket?.Dispose();
            socket = null;
        }

        return (status, body);
    }

    private async ValueTask<ReadOnlyMemory<byte>> ReadChunkedAsync(CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = buffer.AsSpan(start, end - start).IndexOf(Crlf)) < 0)
            {
                await FillAsync(ct);
            }

            var sizeText = buffer.AsSpan(start, lineEnd);
            var semicolon = sizeText.IndexOf((byte)';');
            if (semicolon >= 0)
            {
                sizeText = sizeText[..semicolon];
            }

            if (!Utf8Parser.TryParse(sizeText, out int size, out _, 'X'))
            {
                throw new IOException("malformed chunk size");
            }

            start += lineEnd + 2;
            while (end - start < size + 2)
            {
                await FillAsync(ct);
            }

            if (size == 0)
            {
                start += 2;
                return chunked.AsMemory(0, total);
            }

            if (chunked.Length < total + size)
            {
                Array.Resize(ref chunked, (total + size) * 2);
            }

            buffer.AsSpan(start, size).CopyTo(chunked.AsSpan(total));
            total += size;
            start += size + 2;
        }
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        if (start == end)
        {
            start = end = 0;
        }
        else if (end == buffer.Length)
        {
            // Move what is unread to the front, or grow when the unread part fills the buffer.
            var unread = end - start;
            var target = unread > buffer.Length / 2 ? new byte[buffer.Length * 2] : buffer;
            Buffer.BlockCopy(buffer, start, target, 0, unread);
            buffer = target;
            start = 0;
            end = unread;
        }

        var read = await socket!.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, ct);
        if (read == 0)
        {
            throw new IOException("connection closed by the server");
        }

        end += read;
    }

    public void Close()
    {
        socket?.Dispose();
        socket = null;
        start = end = 0;
    }

    public void Dispose() => Close();
}

/// <summary>Writes the ping bodies without reflection: <c>{"deviceId":..,"pings":[{...}]}</c>.</summary>
public static class PingJson
{
    public static void Write(IBufferWriter<byte> output, string? deviceId, ReadOnlySpan<WirePing> pings)
    {
        using var writer = new System.Text.Json.Utf8JsonWriter(output);
        writer.WriteStartObject();
        if (deviceId is not null)
        {
            writer.WriteString("deviceId"u8, deviceId);
        }

        writer.WriteStartArray("pings"u8);
        foreach (var p in pings)
        {
            writer.WriteStartObject();
            writer.WriteNumber("latitude"u8, p.Latitude);
            writer.WriteNumber("longitude"u8, p.Longitude);
            writer.WriteNumber("accuracy"u8, p.Accuracy);
            writer.WriteNumber("timestamp"u8, p.Timestamp);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
