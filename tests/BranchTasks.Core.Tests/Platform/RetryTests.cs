using System.Diagnostics;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Tests.Platform;

public sealed class RetryTests
{
    [Fact]
    public async Task The_value_of_the_first_successful_try_is_returned()
    {
        var tries = 0;
        var value = await Retry.UntilAsync(_ => ValueTask.FromResult(++tries == 3 ? "ready" : null), TimeSpan.FromSeconds(30), RetryDelays.Every(TimeSpan.FromMilliseconds(1)), CancellationToken.None);

        Assert.Equal("ready", value);
        Assert.Equal(3, tries);
    }

    [Fact]
    public async Task The_last_try_is_made_at_the_deadline_even_when_the_pause_is_longer()
    {
        var clock = Stopwatch.StartNew();
        var timeout = TimeSpan.FromMilliseconds(200);

        // Ready only once the deadline has come: a loop that gives up without trying then misses it.
        var ready = await Retry.UntilAsync(_ => ValueTask.FromResult(clock.Elapsed >= timeout), timeout, RetryDelays.Every(TimeSpan.FromSeconds(10)), CancellationToken.None);

        Assert.True(ready);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "it waited out the full pause instead of the time left");
    }

    [Fact]
    public async Task Pauses_double_up_to_the_longest()
    {
        var tries = 0;
        var done = await Retry.UntilAsync(_ => ValueTask.FromResult(++tries < 0), TimeSpan.FromMilliseconds(700), new RetryDelays(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(160)), CancellationToken.None);

        // 10, 20, 40, 80, 160, 160, 160, then the deadline: about nine tries, where fixed 10 ms pauses make about seventy.
        Assert.False(done);
        Assert.InRange(tries, 2, 12);
    }

    [Fact]
    public async Task A_try_that_throws_ends_the_wait_with_its_exception()
    {
        var tries = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Retry.UntilAsync<string>(
            _ => ++tries == 2 ? throw new InvalidOperationException("the server exited") : ValueTask.FromResult<string?>(null),
            TimeSpan.FromSeconds(30),
            RetryDelays.Every(TimeSpan.FromMilliseconds(1)),
            CancellationToken.None));
        Assert.Equal(2, tries);
    }

    [Fact]
    public async Task Cancelling_ends_the_wait()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Retry.UntilAsync(_ => ValueTask.FromResult(false), TimeSpan.FromMinutes(5), RetryDelays.Every(TimeSpan.FromMilliseconds(10)), cancel.Token));
    }
}
