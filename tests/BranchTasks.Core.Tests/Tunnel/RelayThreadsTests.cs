using BranchTasks.Core.Tunnel;
using static BranchTasks.Core.Tests.Tunnel.TunnelProtocolTests;

namespace BranchTasks.Core.Tests.Tunnel;

public sealed class RelayThreadsTests
{
    [Fact]
    public async Task A_finished_thread_takes_the_next_work_instead_of_a_new_thread_starting()
    {
        var threads = new RelayThreads(TimeSpan.FromSeconds(30));
        var first = await RunAsync(threads, () => Environment.CurrentManagedThreadId);
        await WaitUntil(() => threads.Idle == 1);
        var second = await RunAsync(threads, () => Environment.CurrentManagedThreadId);
        Assert.Equal(first, second);
        Assert.Equal(1, threads.Threads);
    }

    [Fact]
    public async Task Work_that_blocks_does_not_hold_up_other_work_and_idle_threads_exit_after_the_timeout()
    {
        var threads = new RelayThreads(TimeSpan.FromMilliseconds(300));
        using var release = new ManualResetEventSlim();
        var started = new CountdownEvent(40);
        var ids = new System.Collections.Concurrent.ConcurrentBag<int>();
        for (var i = 0; i < 40; i++)
        {
            threads.Run(() =>
            {
                ids.Add(Environment.CurrentManagedThreadId);
                started.Signal();
                release.Wait();
            });
        }

        // Forty connections blocked in recv() at once need forty threads.
        Assert.True(started.Wait(TimeSpan.FromSeconds(20)), $"{started.CurrentCount} of 40 never started");
        Assert.Equal(40, ids.Distinct().Count());
        Assert.Equal(40, threads.Threads);

        release.Set();
        await WaitUntil(() => threads.Threads == 0 && threads.Idle == 0);
    }

    [Fact]
    public async Task Work_that_throws_leaves_its_thread_serving()
    {
        var threads = new RelayThreads(TimeSpan.FromSeconds(30));
        threads.Run(() => throw new InvalidOperationException("a bug in one connection"));
        await WaitUntil(() => threads.Idle == 1);
        Assert.Equal(42, await RunAsync(threads, () => 42));
        Assert.Equal(1, threads.Threads);
    }

    private static Task<T> RunAsync<T>(RelayThreads threads, Func<T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        threads.Run(() => result.SetResult(work()));
        return result.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
