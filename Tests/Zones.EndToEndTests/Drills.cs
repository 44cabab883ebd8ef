namespace Zones.EndToEndTests;

/// <summary>The tests that measure how a cluster rides out a fault (a killed or paused silo, the chaos schedule)
/// and assert on time: they run after every other test class and one at a time, each with the machine to itself.
/// Run beside another class's cluster on two cores they would measure that cluster's load instead.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Drills
{
    public const string Name = "Drills: one at a time, alone";
}
