using System.Text.Json.Serialization;

namespace BranchTasks.Core.Providers;

/// <summary>Whose a branch is, seen from the current repository and developer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BranchOwnership>))]
public enum BranchOwnership
{
    /// <summary>Made by this developer for this repository: every verb may act on it.</summary>
    [JsonStringEnumMemberName("mine")]
    Mine,

    /// <summary>Recorded before ownership was: used (and then claimed) by the repository that uses it, deleted only when named.</summary>
    [JsonStringEnumMemberName("unclaimed")]
    Unclaimed,

    /// <summary>This repository's, made by another developer or on another machine: used, never deleted, reset or pruned.</summary>
    [JsonStringEnumMemberName("otherDeveloper")]
    OtherDeveloper,

    /// <summary>Another repository's that chose the same database name: never touched.</summary>
    [JsonStringEnumMemberName("otherRepository")]
    OtherRepository,

    /// <summary>Not made by BranchTasks (a PlanetScale branch without a record): listed, never touched.</summary>
    [JsonStringEnumMemberName("notMade")]
    NotMade,
}
