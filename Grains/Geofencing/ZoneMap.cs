using System.Diagnostics.CodeAnalysis;

namespace Zones.Geofencing;

/// <summary>An engine's zones by id. Most users have a handful of zones, and a silo holds a million users, so up to
/// <see cref="LinearMax"/> zones it is one array searched in order (a Dictionary's buckets and entries would cost
/// some 700 bytes per user for ten zones); beyond that a dictionary indexes the same array. Not thread-safe.</summary>
internal sealed class ZoneMap
{
    internal const int LinearMax = 16;

    CompiledZone[] _items = [];
    int _count;
    Dictionary<Guid, int>? _index;

    public int Count => _count;

    /// <summary>The zones, in no particular order; valid until the next change.</summary>
    public ArraySegment<CompiledZone> Values => new(_items, 0, _count);

    /// <summary>Adds the zone or replaces the one with its id.</summary>
    public CompiledZone this[Guid id]
    {
        set
        {
            var at = IndexOf(id);
            if (at >= 0)
            {
                _items[at] = value;
                return;
            }

            if (_count == _items.Length)
            {
                Array.Resize(ref _items, Math.Max(4, _count * 2));
            }

            _items[_count] = value;
            _index?.Add(id, _count);
            _count++;
            if (_index is null && _count > LinearMax)
            {
                _index = new Dictionary<Guid, int>(_count * 2);
                for (var i = 0; i < _count; i++)
                {
                    _index.Add(_items[i].Id, i);
                }
            }
        }
    }

    public bool TryGetValue(Guid id, [NotNullWhen(true)] out CompiledZone? zone)
    {
        var at = IndexOf(id);
        zone = at >= 0 ? _items[at] : null;
        return at >= 0;
    }

    public bool ContainsKey(Guid id) => IndexOf(id) >= 0;

    public bool Remove(Guid id)
    {
        var at = IndexOf(id);
        if (at < 0)
        {
            return false;
        }

        // The last zone takes the removed one's place.
        var last = _count - 1;
        _index?.Remove(id);
        if (at != last)
        {
            _items[at] = _items[last];
            if (_index is not null)
            {
                _index[_items[at].Id] = at;
            }
        }

        _items[last] = null!;
        _count = last;
        return true;
    }

    /// <summary>Removes every zone; room for <paramref name="capacity"/> zones when the count to come is known.</summary>
    public void Clear(int capacity = 0)
    {
        _items = capacity > 0 ? new CompiledZone[capacity] : [];
        _count = 0;
        _index = null;
    }

    int IndexOf(Guid id)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(id, out var at) ? at : -1;
        }

        for (var i = 0; i < _count; i++)
        {
            if (_items[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }
}
