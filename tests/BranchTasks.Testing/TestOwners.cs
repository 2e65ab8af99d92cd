using BranchTasks.Core.Git;
using BranchTasks.Core.Providers;

namespace BranchTasks.Testing;

/// <summary>Repositories and developers for tests that drive a provider without a git repository of their own.</summary>
public static class TestOwners
{
    /// <summary>One repository (a made-up root commit) and one developer: what most provider tests act as.</summary>
    public static BranchOwner Default { get; } = For("0000000000000000000000000000000000000001", "tester");

    public static RepositoryIdentity Repository(string rootCommit) => new(rootCommit, "path:" + rootCommit, "/repositories/" + rootCommit[..8]);

    public static BranchOwner For(string rootCommit, string login) => BranchOwner.For(Repository(rootCommit), login);
}
