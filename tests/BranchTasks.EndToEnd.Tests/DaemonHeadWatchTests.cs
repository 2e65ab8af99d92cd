namespace BranchTasks.EndToEnd.Tests;

/// <summary>The daemon watches HEAD of the repositories it serves and ensures a checked-out branch ahead of use.</summary>
[Collection(ProductCollection.Name)]
public sealed class DaemonHeadWatchTests(ProductFixture product)
{
    [Fact]
    public async Task A_checkout_in_a_served_repository_gets_its_branch_without_anyone_asking()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "ahead" }""");
        (await product.ToolAsync(repo.Path, "up")).EnsureSuccess("up");
        repo.Run("checkout", "-q", "-b", "ahead-of-use");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var list = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "list", "--json")).EnsureSuccess("branch list"));
            if (list.EnumerateArray().Any(b => b.GetProperty("gitBranch").GetString() == "ahead-of-use"))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "The daemon did not ensure the checked-out branch within 30 s: " + list);
            await Task.Delay(300);
        }

        var status = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "status", "--json")).EnsureSuccess("status"));
        Assert.Contains(status.GetProperty("tunnels").EnumerateArray(), t => t.GetProperty("database").GetString() == "ahead_ahead_of_use" || t.GetProperty("database").GetString()!.StartsWith("ahead_ahead_of_use", StringComparison.Ordinal));
    }
}
