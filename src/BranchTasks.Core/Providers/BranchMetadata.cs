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
    /// <summary>The repository it was made for (<see cref="Git.RepositoryIdentity.Id"/>); null in records from before ownership was recorded.</summary>
    public string? Repository { get; init; }

    /// <summary>The developer who made it (<c>login@machine</c>); null in records from before ownership was recorded.</summary>
    public string? Owner { get; init; }

    /// <summary>Where the repository was when the branch was made, for messages.</summary>
    public string? RepositoryLocation { get; init; }

    public BranchInfo ToBranchInfo(BranchOwner owner) => new(Branch, DatabaseName, Parent, GitBranch, CreatedAt, LastUsedAt)
    {
        Ownership = owner.Classify(Repository, Owner),
        Repository = Repository,
        Owner = Owner,
        RepositoryLocation = RepositoryLocation,
    };
}
