namespace BranchTasks.MSBuild.Tests;

/// <summary>Tests that build in-process: MSBuild's default BuildManager runs one build at a time, so they never run in parallel.</summary>
[CollectionDefinition(Name)]
public sealed class BuildManagerCollection
{
    public const string Name = "in-process MSBuild builds";
}
