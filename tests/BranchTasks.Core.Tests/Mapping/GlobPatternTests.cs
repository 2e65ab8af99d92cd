using BranchTasks.Core.Mapping;

namespace BranchTasks.Core.Tests.Mapping;

public sealed class GlobPatternTests
{
    [Theory]
    [InlineData("main", "main", true)]
    [InlineData("main", "Main", false)]
    [InlineData("main", "main2", false)]
    [InlineData("feature/*", "feature/login", true)]
    [InlineData("feature/*", "feature/", true)]
    [InlineData("feature/*", "feature/a/b", false)]
    [InlineData("feature/**", "feature/a/b", true)]
    [InlineData("**", "any/thing/at/all", true)]
    [InlineData("*", "top", true)]
    [InlineData("*", "a/b", false)]
    [InlineData("release-?", "release-1", true)]
    [InlineData("release-?", "release-10", false)]
    [InlineData("release-?", "release-/", false)]
    [InlineData("**/hotfix-*", "team/a/hotfix-12", true)]
    [InlineData("**/hotfix-*", "team/a/hotfix-1/x", false)]
    [InlineData("v1.0", "v1x0", false)]
    [InlineData("v1.0", "v1.0", true)]
    [InlineData("a+b(c)[d]", "a+b(c)[d]", true)]
    [InlineData("$^", "$^", true)]
    public void Matches(string pattern, string branch, bool expected)
    {
        Assert.Equal(expected, new GlobPattern(pattern).IsMatch(branch));
    }

    [Fact]
    public void Many_stars_on_a_long_name_stay_fast()
    {
        var pattern = new GlobPattern("*a*a*a*a*a*a*a*a*a*a*b");
        Assert.False(pattern.IsMatch(new string('a', 5000)));
    }
}
