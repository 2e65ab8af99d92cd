namespace BranchTasks.Core.Providers;

/// <summary>A database branch, as its metadata record on the server (or the provider) describes it.</summary>
public sealed record BranchInfo(
    string Branch,
    string Database,
    string? Parent,
    string? GitBranch,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt)
{
    /// <summary>Whose it is, seen from the caller's repository and developer.</summary>
    public BranchOwnership Ownership { get; init; } = BranchOwnership.NotMade;

    /// <summary>The recorded repository id (root commit), null when recorded before ownership was.</summary>
    public string? Repository { get; init; }

    /// <summary>The recorded developer (<c>login@machine</c>), null when recorded before ownership was.</summary>
    public string? Owner { get; init; }

    /// <summary>Where the creating repository was on its machine, to tell users which one it is.</summary>
    public string? RepositoryLocation { get; init; }
}
