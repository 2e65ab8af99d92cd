using BranchTasks.Core.Ensure;

namespace BranchTasks.Core.Tests.Ensure;

/// <summary>The one line `dotnet run` shows: git branch, database, tunnel, and how the branch came to be.</summary>
public sealed class EnsureResultTests
{
    private static EnsureResult Result(bool created, string? from) => new()
    {
        GitBranch = "feature/x",
        Database = "shop_feature_x_1a2b3c4d",
        Host = "127.0.0.1",
        Port = 40123,
        Created = created,
        CreatedFrom = from,
    };

    [Theory]
    [InlineData(false, null, "feature/x \u2192 shop_feature_x_1a2b3c4d (127.0.0.1:40123)")]
    [InlineData(true, "main", "feature/x \u2192 shop_feature_x_1a2b3c4d (127.0.0.1:40123), created from main")]
    [InlineData(true, null, "feature/x \u2192 shop_feature_x_1a2b3c4d (127.0.0.1:40123), created (empty: the root branch)")]
    public void Summary_names_branch_database_and_tunnel_and_says_when_it_was_created(bool created, string? from, string expected) =>
        Assert.Equal(expected, Result(created, from).Summary());

    [Fact]
    public void The_product_version_is_the_informational_one_not_the_fixed_assembly_version()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\+[0-9a-f]{10}$", ProductVersion.Current);
        Assert.NotEqual(typeof(ProductVersion).Assembly.GetName().Version!.ToString(), ProductVersion.Current);
    }
}
