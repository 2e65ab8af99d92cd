using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;

namespace BranchTasks.Core.Tests.Mapping;

public sealed class BranchMapperTests
{
    private static BranchTasksConfig Config(params MapRule[] map) =>
        new() { FilePath = "/repo/branchtasks.json", Database = "shop", Map = map };

    [Fact]
    public void Derives_without_rules()
    {
        var target = BranchMapper.Map(Config(), "main");

        Assert.Equal(new BranchTarget("main", "main", "shop_main"), target);
    }

    [Fact]
    public void First_matching_rule_wins_in_file_order()
    {
        var config = Config(
            new MapRule("release/**", "staging"),
            new MapRule("release/1.*", "never-reached"),
            new MapRule("feature/*", "shared-features"));

        Assert.Equal("staging", BranchMapper.Map(config, "release/1.2").Branch);
        Assert.Equal("shop_shared_features", BranchMapper.Map(config, "feature/a").Database);
        Assert.Equal("shared-features", BranchMapper.Map(config, "feature/b").Branch);
        Assert.Equal("feature-a-b-" + BranchNamesTests.Hash("feature/a/b"), BranchMapper.Map(config, "feature/a/b").Branch);
    }

    [Fact]
    public void Target_keeps_the_git_branch()
    {
        Assert.Equal("Feature/X", BranchMapper.Map(Config(), "Feature/X").GitBranch);
    }

    [Fact]
    public void For_database_branch_validates_the_name()
    {
        Assert.Equal(new BranchTarget("pr-12", "pr-12", "shop_pr_12"), BranchMapper.ForDatabaseBranch(Config(), "pr-12", null));
        Assert.Equal("feature/x", BranchMapper.ForDatabaseBranch(Config(), "pr-12", "feature/x").GitBranch);

        var ex = Assert.Throws<BranchTasksException>(() => BranchMapper.ForDatabaseBranch(Config(), "Feature/X", null));
        Assert.Equal(ErrorCodes.InvalidBranchName, ex.Code);
        Assert.Contains("'Feature/X'", ex.Message);
    }
}
