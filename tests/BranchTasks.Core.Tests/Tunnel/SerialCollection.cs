namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>Alone in the run: the flood test measures what this process allocates, so no other test may allocate meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (measures this process)";
}
