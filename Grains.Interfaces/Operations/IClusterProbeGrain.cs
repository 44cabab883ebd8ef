namespace Zones.Operations;

/// <summary>Answers from any silo without touching storage: an Api node is ready while a call to it succeeds
/// (its gateway connection works and a silo runs grains), whether or not PostgreSQL or Redis answer.</summary>
[Alias("Zones.IClusterProbeGrain")]
public interface IClusterProbeGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    Task Ping();
}
