using System.Collections.Concurrent;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Git;
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
        var head = GitHeadReader.Read(repo.Path);

        watcher.Watch(head, new DaemonRequest { Op = DaemonOps.Ensure, Directory = repo.Path, BranchOverride = "pinned" });
        Assert.Equal(0, watcher.Count);
        watcher.Watch(head, new DaemonRequest { Op = DaemonOps.Ensure, Directory = repo.Path, ConnectionName = "Shop" });
        watcher.Watch(head, new DaemonRequest { Op = DaemonOps.Ensure, Directory = repo.Path });
        Assert.Equal(1, watcher.Count);

        // A commit on the same branch leaves HEAD's text alone: nothing to ensure.
        repo.Commit("same branch");
        await Task.Delay(300);
        Assert.Empty(requests);

        repo.Run("checkout", "-q", "-b", "other");
        await WaitForAsync(requests, 1);

        var replayed = Assert.Single(requests);
        Assert.Equal(repo.Path, replayed.Directory);
        Assert.Equal("Shop", replayed.ConnectionName);
        Assert.Null(replayed.BranchOverride);
    }

    [Fact]
    public async Task Only_a_change_of_the_followed_branch_is_ensured_not_a_change_of_HEADs_text()
    {
        using var repo = TempGitRepository.Create();
        repo.Commit("one");
        var first = repo.Run("rev-parse", "HEAD").Trim();
        repo.Commit("two");
        var requests = new ConcurrentQueue<DaemonRequest>();
        using var watcher = new HeadWatcher((request, _) => { requests.Enqueue(request); return Task.CompletedTask; }, _ => { });
        repo.Run("checkout", "-q", "--detach", first);
        watcher.Watch(GitHeadReader.Read(repo.Path), new DaemonRequest { Op = DaemonOps.Ensure, Directory = repo.Path });

        // Another detached commit: HEAD's text changes, the database branch (the parent's) does not.
        repo.Run("checkout", "-q", "--detach", "main");
        await Task.Delay(500);
        Assert.Empty(requests);

        repo.Run("checkout", "-q", "-b", "feature");
        await WaitForAsync(requests, 1);
        Assert.Single(requests);
    }

    private static async Task WaitForAsync(ConcurrentQueue<DaemonRequest> requests, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (requests.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}
