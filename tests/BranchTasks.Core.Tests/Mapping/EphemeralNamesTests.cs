using BranchTasks.Core.Mapping;

namespace BranchTasks.Core.Tests.Mapping;

public sealed class EphemeralNamesTests
{
    [Theory]
    [InlineData("main")]
    [InlineData("feature-x-1a2b3c4d")]
    [InlineData("a-very-long-branch-name-that-already-fills-most-of-48")]
    public void A_throw_away_name_is_a_valid_branch_name_of_its_own(string source)
    {
        var name = EphemeralNames.For(source);
        Assert.True(BranchNames.IsValidBranchName(name), name);
        Assert.True(EphemeralNames.IsEphemeral(name), name);
        Assert.StartsWith(source[..Math.Min(source.Length, 20)], name, StringComparison.Ordinal);
        Assert.NotEqual(name, EphemeralNames.For(source));
    }

    [Theory]
    [InlineData("main-tmp-1a2b3c4d")]
    [InlineData("feature/x-tmp-deadbeef")]
    [InlineData("Main-TMP-1A2B3C4D")]
    public void No_git_branch_derives_to_a_throw_away_name(string gitBranch)
    {
        var derived = BranchNames.ToBranchName(gitBranch);
        Assert.False(EphemeralNames.IsEphemeral(derived), derived);
    }

    [Theory]
    [InlineData("main")]
    [InlineData("main-tmp")]
    [InlineData("main-tmp-1a2b3c4")]
    [InlineData("main-tmp-1a2b3c4dd")]
    [InlineData("main-tmp-1A2B3C4D")]
    public void Other_names_are_not_throw_away_names(string branch) => Assert.False(EphemeralNames.IsEphemeral(branch));
}
