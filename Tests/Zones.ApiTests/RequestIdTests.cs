using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Orleans.Runtime;
using Zones.Api.Infrastructure;

namespace Zones.ApiTests;

public sealed class RequestIdTests
{
    [Theory]
    [InlineData("abc-123_DEF.x")]
    [InlineData("a")]
    public void A_well_formed_client_id_is_kept(string id) => Assert.Equal(id, RequestIds.Accept(id));

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("ünïcode")]
    public void A_malformed_client_id_is_replaced(string id) => Assert.Null(RequestIds.Accept(id));

    [Fact]
    public void An_id_longer_than_128_characters_is_replaced()
    {
        Assert.NotNull(RequestIds.Accept(new string('a', 128)));
        Assert.Null(RequestIds.Accept(new string('a', 129)));
    }

    [Fact]
    public void Two_request_id_headers_are_not_accepted() => Assert.Null(RequestIds.Accept(new StringValues(["a", "b"])));

    [Fact]
    public void Generated_ids_match_the_accepted_format_and_differ()
    {
        var (a, b) = (RequestIds.New(), RequestIds.New());
        Assert.NotEqual(a, b);
        Assert.Equal(a, RequestIds.Accept(a));
    }

    [Fact]
    public async Task Middleware_hands_the_id_to_the_request_and_to_orleans_and_echoes_it()
    {
        string? seenByOrleans = null;
        string? seenAsTrace = null;
        var middleware = new RequestIdMiddleware(context =>
        {
            seenByOrleans = RequestContext.Get(RequestIds.OrleansKey) as string;
            seenAsTrace = context.TraceIdentifier;
            return Task.CompletedTask;
        });
        var (context, start) = ContextWithStartHook();
        context.Request.Headers[RequestIds.HeaderName] = "client-id.1";

        await middleware.InvokeAsync(context);
        await start();

        Assert.Equal("client-id.1", seenByOrleans);
        Assert.Equal("client-id.1", seenAsTrace);
        Assert.Equal("client-id.1", context.Response.Headers[RequestIds.HeaderName].ToString());
        Assert.Null(RequestContext.Get(RequestIds.OrleansKey));
    }

    [Fact]
    public async Task Middleware_makes_an_id_when_the_client_sent_a_bad_one()
    {
        var middleware = new RequestIdMiddleware(_ => Task.CompletedTask);
        var (context, start) = ContextWithStartHook();
        context.Request.Headers[RequestIds.HeaderName] = "bad id!";

        await middleware.InvokeAsync(context);
        await start();

        var echoed = context.Response.Headers[RequestIds.HeaderName].ToString();
        Assert.NotEqual("bad id!", echoed);
        Assert.Equal(echoed, RequestIds.Accept(echoed));
    }

    /// <summary>DefaultHttpContext's response feature ignores OnStarting; this one runs the callbacks on demand.</summary>
    private static (HttpContext Context, Func<Task> Start) ContextWithStartHook()
    {
        var feature = new StartHookResponseFeature();
        var context = new DefaultHttpContext();
        context.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>(feature);
        return (context, feature.StartAsync);
    }

    private sealed class StartHookResponseFeature : Microsoft.AspNetCore.Http.Features.HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _callbacks = [];

        public override void OnStarting(Func<object, Task> callback, object state) => _callbacks.Add((callback, state));

        public async Task StartAsync()
        {
            foreach (var (callback, state) in _callbacks)
            {
                await callback(state);
            }
        }
    }
}
