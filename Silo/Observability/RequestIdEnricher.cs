using Serilog.Core;
using Serilog.Events;

namespace Zones.Silo.Observability;

/// <summary>Adds the Api's request id (carried in Orleans' RequestContext) to every silo log line written
/// while serving that request, so one id follows a request across processes.</summary>
public sealed class RequestIdEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (Orleans.Runtime.RequestContext.Get(RequestContextKeys.RequestId) is string requestId)
        {
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("RequestId", requestId));
        }
    }
}
