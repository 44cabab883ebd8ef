using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Zones.ApiTests.Host;

/// <summary>An <see cref="IServer"/> without sockets: requests are feature collections handed straight to the
/// app's pipeline, so the whole middleware chain runs as in production, with no network.</summary>
internal sealed class InMemoryServer : IServer
{
    private Func<IFeatureCollection, Task>? _process;

    public IFeatureCollection Features { get; } = CreateFeatures();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
    {
        _process = async features =>
        {
            var context = application.CreateContext(features);
            try
            {
                await application.ProcessRequestAsync(context);
                // Like Kestrel: a response without a body starts (OnStarting runs) before the context is disposed.
                await features.Get<IHttpResponseBodyFeature>()!.CompleteAsync();
                application.DisposeContext(context, null);
            }
            catch (Exception exception)
            {
                application.DisposeContext(context, exception);
                throw;
            }
        };
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }

    public Task<TestResponse> SendAsync(HttpMethod method, string pathAndQuery, string? body = null,
        string? contentType = "application/json", string? bearer = null, string? requestId = null,
        IReadOnlyDictionary<string, string>? headers = null, string? remoteAddress = null) =>
        SendBytesAsync(method, pathAndQuery, body is null ? null : Encoding.UTF8.GetBytes(body), contentType, bearer, requestId, headers, remoteAddress);

    public async Task<TestResponse> SendBytesAsync(HttpMethod method, string pathAndQuery, byte[]? body,
        string? contentType, string? bearer = null, string? requestId = null, IReadOnlyDictionary<string, string>? headers = null,
        string? remoteAddress = null)
    {
        var process = _process ?? throw new InvalidOperationException("The app is not started");
        var queryAt = pathAndQuery.IndexOf('?');
        var request = new HttpRequestFeature
        {
            Method = method.Method,
            Scheme = "http",
            Protocol = "HTTP/1.1",
            Path = queryAt < 0 ? pathAndQuery : pathAndQuery[..queryAt],
            QueryString = queryAt < 0 ? string.Empty : pathAndQuery[queryAt..],
            Body = body is null ? Stream.Null : new MemoryStream(body),
        };
        request.Headers.Host = "localhost";
        if (body is not null)
        {
            request.Headers.ContentLength = body.Length;
            if (contentType is not null)
            {
                request.Headers.ContentType = contentType;
            }
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer).ToString();
        }

        if (requestId is not null)
        {
            request.Headers["X-Request-ID"] = requestId;
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers[name] = value;
        }

        var response = new ResponseFeature();
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        features.Set<IHttpRequestIdentifierFeature>(new HttpRequestIdentifierFeature());
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature());
        if (remoteAddress is not null)
        {
            features.Set<IHttpConnectionFeature>(new HttpConnectionFeature { RemoteIpAddress = System.Net.IPAddress.Parse(remoteAddress) });
        }

        await process(features);
        var content = response.Content.ToArray();
        return new TestResponse(response.StatusCode, response.Headers, Encoding.UTF8.GetString(content), content);
    }

    private static FeatureCollection CreateFeatures()
    {
        var features = new FeatureCollection();
        features.Set<IServerAddressesFeature>(new ServerAddressesFeature());
        return features;
    }

    /// <summary>Runs OnStarting callbacks before the first byte, as Kestrel does; the request-id header depends on it.</summary>
    private sealed class ResponseFeature : IHttpResponseFeature, IHttpResponseBodyFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _starting = [];
        private readonly StartingStream _stream;

        public ResponseFeature()
        {
            _stream = new StartingStream(this);
            Writer = System.IO.Pipelines.PipeWriter.Create(_stream);
        }

        public MemoryStream Content { get; } = new();

        public int StatusCode { get; set; } = 200;

        public string? ReasonPhrase { get; set; }

        public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

        public Stream Body { get => _stream; set => throw new NotSupportedException(); }

        public bool HasStarted { get; private set; }

        public Stream Stream => _stream;

        public System.IO.Pipelines.PipeWriter Writer { get; }

        public void OnStarting(Func<object, Task> callback, object state) => _starting.Insert(0, (callback, state));

        public void OnCompleted(Func<object, Task> callback, object state)
        {
        }

        public async Task StartAsync(CancellationToken cancellationToken = default)
        {
            if (HasStarted)
            {
                return;
            }

            foreach (var (callback, state) in _starting)
            {
                await callback(state);
            }

            HasStarted = true;
        }

        public void DisableBuffering()
        {
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async Task CompleteAsync()
        {
            await Writer.FlushAsync();
            await StartAsync();
        }

        private sealed class StartingStream(ResponseFeature owner) : Stream
        {
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => owner.Content.Length;
            public override long Position { get => owner.Content.Position; set => throw new NotSupportedException(); }

            public override void Flush()
            {
            }

            public override Task FlushAsync(CancellationToken cancellationToken) => owner.StartAsync(cancellationToken);

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count)
            {
                owner.StartAsync().GetAwaiter().GetResult();
                owner.Content.Write(buffer, offset, count);
            }

            public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
            {
                await owner.StartAsync(cancellationToken);
                owner.Content.Write(buffer.Span);
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        }
    }
}

internal sealed record TestResponse(int Status, IHeaderDictionary Headers, string Body, byte[] Content)
{
    public System.Text.Json.JsonElement Json => ApiTests.Json.Parse(Body);

    public string ErrorCode => Json.GetProperty("error").GetProperty("code").GetString()!;
}
