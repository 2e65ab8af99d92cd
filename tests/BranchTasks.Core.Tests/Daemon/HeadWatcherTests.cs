using System.Collections.Concurrent;
using BranchTasks.Core.Daemon;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Daemon;

public sealed class HeadWatcherTests
{
    [Fact]
    public async Task A_checkout_replays_the_ensure_request_and_a_pinned_branch_is_not_watched()
    {
        using var repo = TempGitRepository.Create();
        repo.Commit("init");
        var requests = new ConcurrentQueue<DaemonRequest>();
        using var watcher = new HeadWatcher((request, _) => { requests.Enqueue(request); return Task.CompletedTask; }, _ => { });
        var gitDir = Path.Combine(repo.Path, ".git");

        watcher.Watch(gitDir, new DaemonRequest { Op = DaemonOps.Ensure, Directory = repo.Path, BranchOverride = "pinned" });
        Assert.Equal(0, watcher.Count);
        watcher.Watch(gitDir, new DaemonRequest { Op = DaemonOps.Ensure, Directory = repo.Path, ConnectionName = "Shop" });
        watcher.Watch(gitDir, new DaemonRequest { Op = DaemonOps.Ensure, Directory = repo.Path });
        Assert.Equal(1, watcher.Count);

        // A commit on the same branch leaves HEAD's text alone: nothing to ensure.
        repo.Commit("same branch");
        await Task.Delay(300);
        Assert.Empty(requests);

        repo.Run("checkout", "-q", "-b", "other");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (requests.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var replayed = Assert.Single(requests);
        Assert.Equal(repo.Path, replayed.Directory);
        Assert.Equal("Shop", replayed.ConnectionName);
        Assert.Null(replayed.BranchOverride);
    }
}
