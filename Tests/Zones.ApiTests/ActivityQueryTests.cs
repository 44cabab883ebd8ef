using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Zones.Api.Activities;

namespace Zones.ApiTests;

public sealed class ActivityQueryTests
{
    private static IQueryCollection Query(params (string Key, string Value)[] pairs) =>
        new QueryCollection(pairs.ToDictionary(p => p.Key, p => new StringValues(p.Value)));

    [Fact]
    public void Defaults_to_fifty_newest_without_filters()
    {
        var query = ActivitiesApi.ParseQuery(Query());
        Assert.Equal((null, null, null, null, 50, null), (query.ZoneId, query.Type, query.From, query.To, query.Limit, query.Cursor));
    }

    [Fact]
    public void Reads_every_filter()
    {
        var zone = Guid.NewGuid();
        var query = ActivitiesApi.ParseQuery(Query(("zoneId", zone.ToString()), ("type", "dwell"), ("from", "10"), ("to", "20"),
            ("limit", "200"), ("cursor", "abc")));
        Assert.Equal((zone, "dwell", 10L, 20L, 200, "abc"), (query.ZoneId, query.Type, query.From, query.To, query.Limit, query.Cursor));
    }

    [Fact]
    public void Bad_filters_each_get_a_detail()
    {
        var fields = Json.Fields(() => ActivitiesApi.ParseQuery(Query(
            ("zoneId", "nope"), ("type", "enterr"), ("from", "x"), ("limit", "201"))));
        Assert.Equal(["zoneId", "type", "from", "limit"], fields);
    }

    [Fact]
    public void From_after_to_is_rejected() =>
        Assert.Equal(["from"], Json.Fields(() => ActivitiesApi.ParseQuery(Query(("from", "30"), ("to", "20")))));
}
