using Orleans.Runtime;
using Zones.Users;

namespace Zones.Api.Infrastructure;

/// <summary>References to user grains without Orleans' per-call type lookup. <c>GetGrain&lt;T&gt;(key)</c> works out
/// the interface's Orleans type name from its attributes, and the grain type behind it, on every call (about 5% of
/// the Api's CPU per ping in a profile). Both are fixed for a given client, so they are taken from the first
/// reference it makes and later references are made from the grain id directly.</summary>
public static class GrainReferences
{
    private sealed record UserGrainTypes(IGrainFactory Factory, GrainType Grain, GrainInterfaceType Interface);

    private static UserGrainTypes? s_userGrain;

    /// <summary>The same reference as <c>factory.GetGrain&lt;IUserGrain&gt;(userId)</c>.</summary>
    public static IUserGrain UserGrain(this IGrainFactory factory, Guid userId)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (Volatile.Read(ref s_userGrain) is { } known && ReferenceEquals(known.Factory, factory))
        {
            return (IUserGrain)factory.GetGrain(GrainId.Create(known.Grain, GrainIdKeyExtensions.CreateGuidKey(userId)), known.Interface);
        }

        var grain = factory.GetGrain<IUserGrain>(userId);
        if (grain is GrainReference reference)
        {
            Volatile.Write(ref s_userGrain, new UserGrainTypes(factory, reference.GrainId.Type, reference.InterfaceType));
        }

        return grain;
    }
}
