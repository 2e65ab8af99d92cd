namespace BranchTasks.Core.Providers;

/// <summary>Whether a branch's database is complete; <see cref="Creating"/> rows are leftovers of a crash or a create in progress.</summary>
public enum BranchState
{
    Creating,
    Ready,
}

/// <summary>One row of <c>_branchtasks.branches</c>: proof that BranchTasks created <see cref="DatabaseName"/>.</summary>
/// <param name="Parent">The database branch it was cloned from; null when created empty.</param>
public sealed record BranchMetadata(
    string DatabaseName,
    string Project,
    string Branch,
    string? Parent,
    string? GitBranch,
    BranchState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt)
{
    public BranchInfo ToBranchInfo() => new(Branch, DatabaseName, Parent, GitBranch, CreatedAt, LastUsedAt);
}
