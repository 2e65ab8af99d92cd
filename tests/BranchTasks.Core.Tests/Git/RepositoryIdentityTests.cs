using BranchTasks.Core.Git;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Git;

/// <summary>A repository's identity is its root commit: the same in every clone and worktree, different for another repository.</summary>
public sealed class RepositoryIdentityTests
{
    [Fact]
    public void Clones_and_worktrees_share_the_root_commit_and_another_repository_differs()
    {
        using var repo = TempGitRepository.Create();
        var root = repo.Commit("first");
        repo.Commit("second");
        repo.Run("checkout", "-q", "-b", "feature/x");
        repo.Commit("on the branch");
        using var other = TempGitRepository.Create();
        other.WriteFile("different.txt", "another project");
        other.Commit("first");
        var clone = repo.SiblingPath("clone");
        repo.Run("clone", "-q", repo.Path, clone);
        var worktree = repo.SiblingPath("worktree");
        repo.Run("worktree", "add", "-q", worktree, "main");

        var identity = Identity(repo.Path);

        Assert.Equal(root, identity.RootCommit);
        Assert.Equal(root, identity.Id);
        Assert.Equal(root, Identity(clone).RootCommit);
        Assert.Equal(root, Identity(worktree).RootCommit);
        Assert.NotEqual(root, Identity(other.Path).RootCommit);
        Assert.NotEqual(identity.LocalId, Identity(clone).LocalId);
        Assert.True(identity.Matches(root));
        Assert.False(identity.Matches(Identity(other.Path).Id));
    }

    [Fact]
    public void A_repository_without_commits_is_known_by_its_location_until_its_first_commit()
    {
        using var repo = TempGitRepository.Create();

        var unborn = Identity(repo.Path);
        Assert.Null(unborn.RootCommit);
        Assert.Equal(unborn.LocalId, unborn.Id);
        Assert.StartsWith("path:", unborn.Id);
        Assert.Equal("a repository without commits", RepositoryIdentity.Describe(unborn.Id));

        var root = repo.Commit("first");
        var born = Identity(repo.Path);
        Assert.Equal(root, born.Id);
        // Records made before the first commit still match, so they are claimed rather than refused.
        Assert.True(born.Matches(unborn.Id));
        Assert.Equal($"the repository with root commit {root[..12]}", RepositoryIdentity.Describe(born.Id));
    }

    private static RepositoryIdentity Identity(string path) => RepositoryIdentity.Of(GitHeadReader.Read(path));
}
