namespace Zones;

/// <summary>Keys of Orleans' <c>RequestContext</c> that the Api sets and the silos read.</summary>
public static class RequestContextKeys
{
    /// <summary>The request's X-Request-ID, so silo log lines carry the id the client sees.</summary>
    public const string RequestId = "requestId";
}
