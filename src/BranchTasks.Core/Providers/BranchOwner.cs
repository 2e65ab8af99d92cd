using BranchTasks.Core.Git;

namespace BranchTasks.Core.Providers;

/// <summary>
/// Who is asking: the repository (the same in every clone) and the developer (a login and the machine). Every
/// branch made is recorded with both; destructive verbs act only on branches whose records match.
/// </summary>
public sealed record BranchOwner(RepositoryIdentity Repository, string Developer)
{
    /// <summary><paramref name="login"/> on this machine: the provider's login (shared server) or the OS user.</summary>
    public static BranchOwner For(RepositoryIdentity repository, string login) =>
        new(repository, $"{login}@{Environment.MachineName}");

    /// <summary>How a branch recorded under <paramref name="repository"/> by <paramref name="developer"/> relates to this owner.</summary>
    public BranchOwnership Classify(string? repository, string? developer) =>
        repository is null ? BranchOwnership.Unclaimed
        : !Repository.Matches(repository) ? BranchOwnership.OtherRepository
        : string.Equals(developer, Developer, StringComparison.Ordinal) ? BranchOwnership.Mine
        : BranchOwnership.OtherDeveloper;
}
