using System.Diagnostics;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>A real `dotnet watch` session: every launch and restart goes through the ensure step.</summary>
[Collection(ProductCollection.Name)]
public sealed class DotnetWatchTests(ProductFixture product)
{
    [Fact]
    public async Task Dotnet_watch_launches_and_restarts_on_the_current_git_branch_database()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "watch" }""");
        var app = Path.Combine(repo.Path, "app");
        var environment = product.Environment();
        environment["DOTNET_WATCH_SUPPRESS_EMOJIS"] = "1";

        await using var watch = LiveProcess.Start(app, environment, "watch", "run", "--non-interactive", "--", "--Sample:ReadOnly=true");
        Assert.Equal("watch_main", await watch.WaitForLineAsync("database: ", 1, TimeSpan.FromMinutes(3)));
        // The sample exits at once; an edit while it still runs would be hot-reloaded, not restarted.
        await WaitForAsync(watch, l => l.Contains("Waiting for a file to change", StringComparison.Ordinal), 1);

        // Switch branch while watch waits, then edit a source file: the restart is on the new branch.
        repo.Run("checkout", "-q", "-b", "watched");
        File.AppendAllText(Path.Combine(app, "Program.cs"), "\n// edited while dotnet watch runs\n");
        Assert.Equal("watch_watched", await watch.WaitForLineAsync("database: ", 2, TimeSpan.FromMinutes(3)));
    }

    private static async Task WaitForAsync(LiveProcess process, Func<string, bool> match, int count)
    {
        var clock = Stopwatch.StartNew();
        while (process.Lines.Count(match) < count)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "dotnet watch did not get there:\n" + process.Output);
            await Task.Delay(50);
        }
    }
}
