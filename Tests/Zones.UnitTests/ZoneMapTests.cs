using Zones.Geofencing;
using static Zones.UnitTests.TestZones;

namespace Zones.UnitTests;

public sealed class ZoneMapTests
{
    static readonly GeofencingOptions Options = new();

    static CompiledZone Compiled(Zone zone) => new CircleZone(zone, Options);

    [Theory]
    [InlineData(3)]
    [InlineData(ZoneMap.LinearMax)]
    [InlineData(ZoneMap.LinearMax + 1)]
    [InlineData(100)]
    public void Finds_every_zone_it_holds_and_none_it_lost_after_adds_replacements_and_removals(int count)
    {
        var map = new ZoneMap();
        var zones = Enumerable.Range(0, count).Select(i => Circle(i * 1_000, 0, 100)).ToList();
        foreach (var zone in zones)
        {
            map[zone.Id] = Compiled(zone);
        }

        // Replace one, remove every third (first, middle and last positions included).
        var moved = zones[count / 2] with { Definition = zones[count / 2].Definition with { Title = "Moved" } };
        map[moved.Id] = Compiled(moved);
        var removed = zones.Where((_, i) => i % 3 == 0).Select(z => z.Id).ToHashSet();
        foreach (var id in removed)
        {
            Assert.True(map.Remove(id));
            Assert.False(map.Remove(id));
        }

        Assert.Equal(count - removed.Count, map.Count);
        Assert.Equal(count - removed.Count, map.Values.Count);
        foreach (var zone in zones)
        {
            var found = map.TryGetValue(zone.Id, out var compiled);
            Assert.Equal(!removed.Contains(zone.Id), found);
            Assert.Equal(found, map.ContainsKey(zone.Id));
            if (found)
            {
                Assert.Equal(zone.Id, compiled!.Id);
                Assert.Equal(zone.Id == moved.Id ? "Moved" : zone.Definition.Title, compiled.Zone.Definition.Title);
            }
        }

        Assert.Equal(map.Values.Select(z => z.Id).Order(), zones.Select(z => z.Id).Where(id => !removed.Contains(id)).Order());
    }

    [Fact]
    public void Cleared_map_is_empty_and_takes_zones_again()
    {
        var map = new ZoneMap();
        var first = Circle(0, 0, 100);
        map[first.Id] = Compiled(first);
        map.Clear(capacity: 2);

        Assert.Equal(0, map.Count);
        Assert.False(map.ContainsKey(first.Id));
        var second = Circle(500, 0, 100);
        map[second.Id] = Compiled(second);
        Assert.True(map.TryGetValue(second.Id, out _));
        Assert.Equal(1, map.Count);
    }
}
