using System.Text;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Zones.ServiceDefaults;

/// <summary>Every log output of a node (stdout and the rolling files) behind one background queue that is written
/// in batches through Serilog's batching sink: a request or a grain turn only enqueues its event, and the writer
/// wakes a few times a second, formats what has gathered and hands stdout one write for the whole batch (the
/// files are buffered and flushed every second). One write and one wake-up per event cost a tenth of the
/// Api's and the silo's CPU on the ingestion path.</summary>
/// <remarks>Each event is formatted once: the rolling files are handed the line already written for stdout
/// (<see cref="FormattedLine"/>) instead of formatting it again.
/// A node killed outright loses at most the last <see cref="Period"/> of lines; an orderly stop
/// (the host disposes the logger) writes everything queued. When the queue is full, new events are dropped
/// rather than callers slowed.</remarks>
public sealed class BatchedLogOutput : IBatchedLogEventSink, IDisposable
{
    /// <summary>How long events gather before they are written (the first after a quiet spell goes at once).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);

    /// <summary>Events held at most while the writer catches up.</summary>
    public const int QueueLimit = 100_000;

    private readonly ITextFormatter _formatter;
    private readonly Stream _stdout;
    private readonly Logger? _files;
    private readonly StringWriter _text = new(new StringBuilder(64 * 1024));
    private byte[] _bytes = new byte[64 * 1024];
    private string _line = string.Empty;

    /// <param name="formatter">Formats each event, once.</param>
    /// <param name="stdout">Where every line goes.</param>
    /// <param name="files">Builds the file outputs, if any, given the formatter they must use: it writes the line
    /// just formatted for stdout.</param>
    public BatchedLogOutput(ITextFormatter formatter, Stream stdout, Func<ITextFormatter, Logger?>? files = null)
    {
        _formatter = formatter;
        _stdout = stdout;
        _files = files?.Invoke(new FormattedLine(this));
    }

    public static BatchingOptions Options => new()
    {
        BufferingTimeLimit = Period,
        BatchSizeLimit = 5_000,
        EagerlyEmitFirstEvent = true,
        QueueLimit = QueueLimit,
    };

    public Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        var builder = _text.GetStringBuilder();
        builder.Clear();
        foreach (var logEvent in batch)
        {
            var start = builder.Length;
            _formatter.Format(logEvent, _text);
            if (_files is not null)
            {
                // The file sinks format synchronously inside Write, so the line they copy is this event's.
                _line = builder.ToString(start, builder.Length - start);
                _files.Write(logEvent);
            }
        }

        var length = Encoding.UTF8.GetMaxByteCount(builder.Length);
        if (_bytes.Length < length)
        {
            _bytes = new byte[Math.Max(length, _bytes.Length * 2)];
        }

        var written = 0;
        foreach (var chunk in builder.GetChunks())
        {
            written += Encoding.UTF8.GetBytes(chunk.Span, _bytes.AsSpan(written));
        }

        _stdout.Write(_bytes, 0, written);
        _stdout.Flush();
        if (builder.Capacity > 1024 * 1024)
        {
            // One burst must not keep a large buffer for the life of the process.
            builder.Capacity = 64 * 1024;
        }

        return Task.CompletedTask;
    }

    public Task OnEmptyBatchAsync() => Task.CompletedTask;

    /// <summary>The formatter of the file outputs: the line <see cref="EmitBatchAsync"/> has just formatted.</summary>
    private sealed class FormattedLine(BatchedLogOutput output) : ITextFormatter
    {
        public void Format(LogEvent logEvent, TextWriter writer) => writer.Write(output._line);
    }

    public void Dispose()
    {
        _files?.Dispose();
        _stdout.Flush();
    }
}
