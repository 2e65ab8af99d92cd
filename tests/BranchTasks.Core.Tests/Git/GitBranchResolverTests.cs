using BranchTasks.Core.Git;

namespace BranchTasks.Core.Tests.Git;

public sealed class GitBranchResolverTests
{
    private const string Sha = "abc1234def5678abc1234def5678abc1234def56";

    [Fact]
    public void Branch_head_needs_no_notice()
    {
        var resolved = GitBranchResolver.Resolve(Head("feature/x", null), null, "main");

        Assert.Equal(new ResolvedGitBranch("feature/x", null), resolved);
    }

    [Fact]
    public void Override_wins_with_a_notice()
    {
        var resolved = GitBranchResolver.Resolve(Head("feature/x", null), "release/1.0", "main");

        Assert.Equal("release/1.0", resolved.Name);
        Assert.Equal("Using git branch 'release/1.0' from BRANCHTASKS_BRANCH.", resolved.Notice);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Empty_override_is_ignored(string value)
    {
        Assert.Equal("feature/x", GitBranchResolver.Resolve(Head("feature/x", null), value, "main").Name);
    }

    [Fact]
    public void Detached_falls_back_to_parent_with_a_notice()
    {
        var resolved = GitBranchResolver.Resolve(Head(null, null), null, "develop");

        Assert.Equal("develop", resolved.Name);
        Assert.Equal(
            "HEAD is detached at abc1234; using the database branch of 'develop' (the configured parent). Check out a branch or set BRANCHTASKS_BRANCH to choose another.",
            resolved.Notice);
    }

    [Fact]
    public void Detached_during_rebase_uses_the_rebasing_branch()
    {
        var resolved = GitBranchResolver.Resolve(Head(null, "feature/y"), null, "main");

        Assert.Equal("feature/y", resolved.Name);
        Assert.Contains("rebasing 'feature/y'", resolved.Notice);
    }

    [Fact]
    public void Real_rebase_resolves_to_the_rebasing_branch()
    {
        using var repo = BranchTasks.Testing.TempGitRepository.Create();
        repo.WriteFile("a.txt", "base\n");
        repo.Commit("base");
        repo.Run("checkout", "--quiet", "-b", "topic");
        repo.WriteFile("a.txt", "topic\n");
        repo.Commit("topic");
        repo.Run("checkout", "--quiet", "main");
        repo.WriteFile("a.txt", "main\n");
        repo.Commit("main");
        repo.Run("checkout", "--quiet", "topic");
        Assert.NotEqual(0, repo.TryRun("rebase", "main").ExitCode);

        var resolved = GitBranchResolver.Resolve(GitHeadReader.Read(repo.Path), null, "main");

        Assert.Equal("topic", resolved.Name);
        Assert.NotNull(resolved.Notice);
    }

    private static GitHead Head(string? branch, string? rebasing) =>
        new("/repo", "/repo/.git", "/repo/.git", branch, Sha, rebasing);
}
