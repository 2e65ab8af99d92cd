using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>Two repositories (two root commits) that both say <c>"database": "twinrepos"</c> on one private server, driven through the CLI.</summary>
[Collection(ProductCollection.Name)]
public sealed class OwnershipTests(ProductFixture product)
{
    [Fact]
    public async Task The_second_repository_is_told_the_name_is_taken_and_no_command_there_changes_the_firsts_branches()
    {
        using var first = product.CreateAppRepository("""{ "provider": "local", "database": "twinrepos" }""");
        // Different content, so a different root commit even when made in the same second.
        using var second = product.CreateAppRepository("""{"provider":"local","database":"twinrepos"}""");
        (await product.ToolAsync(first.Path, "up")).EnsureSuccess("up main");
        first.Run("checkout", "-q", "-b", "feature/price");
        (await product.ToolAsync(first.Path, "up")).EnsureSuccess("up feature/price");
        first.Run("checkout", "-q", "main");
        first.Run("branch", "-D", "feature/price");

        var up = await product.ToolAsync(second.Path, "up");
        second.Run("checkout", "-q", "-b", "feature/price");
        var delete = await product.ToolAsync(second.Path, "branch", "delete", "feature/price", "--yes", "--force");
        var reset = await product.ToolAsync(second.Path, "branch", "reset", "feature/price", "--yes");
        var prune = await product.ToolAsync(second.Path, "branch", "prune", "--yes", "--json");
        var list = await product.ToolAsync(second.Path, "branch", "list", "--json");
        var all = await product.ToolAsync(second.Path, "branch", "list", "--all");

        Assert.NotEqual(0, up.ExitCode);
        Assert.Contains("BT0311", up.Combined);
        Assert.Contains(first.Path, up.Combined);
        Assert.Contains("choose another \"database\"", up.Combined);
        Assert.Contains("BT0304", delete.Combined);
        Assert.Contains("BT0304", reset.Combined);
        Assert.Empty(ProductFixture.ParseJson(prune.EnsureSuccess("prune")).GetProperty("branches").EnumerateArray());
        Assert.Empty(ProductFixture.ParseJson(list.EnsureSuccess("list")).EnumerateArray());
        Assert.Contains("another repository's", all.EnsureSuccess("list --all").StandardOutput);

        // The first repository still has both, marked as its own, and prunes its stale one itself.
        var mine = ProductFixture.ParseJson((await product.ToolAsync(first.Path, "branch", "list", "--json")).EnsureSuccess("list first"));
        Assert.Equal(["feature-price", "main"], mine.EnumerateArray().Select(b => b.GetProperty("branch").GetString()![..Math.Min(13, b.GetProperty("branch").GetString()!.Length)]).Order());
        Assert.All(mine.EnumerateArray(), b => Assert.Equal("mine", b.GetProperty("ownership").GetString()));
        var pruned = ProductFixture.ParseJson((await product.ToolAsync(first.Path, "branch", "prune", "--yes", "--json")).EnsureSuccess("prune first"));
        Assert.Single(pruned.GetProperty("branches").EnumerateArray());
        (await product.ToolAsync(first.Path, "down")).EnsureSuccess("down");
    }
}
