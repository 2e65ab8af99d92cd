using BranchTasks.Core.Git;

namespace BranchTasks.Core.Tests.Git;

public sealed class GitRefNamesTests
{
    [Theory]
    [InlineData("main", true)]
    [InlineData("feature/x", true)]
    [InlineData("Feature/Ünïcödé-1_2", true)]
    [InlineData("release/1.0", true)]
    [InlineData("", false)]
    [InlineData("@", false)]
    [InlineData("-x", false)]
    [InlineData("/x", false)]
    [InlineData("x/", false)]
    [InlineData("x.", false)]
    [InlineData("a..b", false)]
    [InlineData("a@{b", false)]
    [InlineData("a//b", false)]
    [InlineData("a b", false)]
    [InlineData("a~b", false)]
    [InlineData("a^b", false)]
    [InlineData("a:b", false)]
    [InlineData("a?b", false)]
    [InlineData("a*b", false)]
    [InlineData("a[b", false)]
    [InlineData("a\\b", false)]
    [InlineData("a/.b", false)]
    [InlineData("a.lock", false)]
    [InlineData("a.lock/b", false)]
    public void Follows_git_check_ref_format(string name, bool valid)
    {
        Assert.Equal(valid, GitRefNames.IsValidBranchName(name));
    }

    [Theory]
    [InlineData("main")]
    [InlineData("feature/x")]
    [InlineData("a..b")]
    [InlineData("a@{b")]
    [InlineData("a.lock")]
    [InlineData("x/")]
    [InlineData("a/.b")]
    [InlineData("-x")]
    public void Agrees_with_real_git(string name)
    {
        using var repo = BranchTasks.Testing.TempGitRepository.Create();
        var gitSaysValid = repo.TryRun("check-ref-format", "--branch", name).ExitCode == 0;

        Assert.Equal(gitSaysValid, GitRefNames.IsValidBranchName(name));
    }
}
