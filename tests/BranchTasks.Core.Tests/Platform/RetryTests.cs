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

    // Task.Delay's timers run on a coarse clock (a kernel tick: 4 ms at HZ=250, 10 ms at HZ=100), so a pause
    // can end up to one tick before the Stopwatch says it should (CI saw 157 ms for 160).
    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(11);

    [Fact]
    public async Task Pauses_double_up_to_the_longest()
    {
        var timeout = TimeSpan.FromMilliseconds(700);
        var clock = Stopwatch.StartNew();
        var tries = new List<TimeSpan>();
        var done = await Retry.UntilAsync(_ =>
        {
            tries.Add(clock.Elapsed);
            return ValueTask.FromResult(false);
        }, timeout, new RetryDelays(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(160)), CancellationToken.None);

        Assert.False(done);

        // Only lower bounds, which a busy machine cannot break: each pause is at least its planned length
        // (10, 20, 40, 80, 160, 160, ...) or the time left to the deadline when that is shorter, less one timer
        // tick; so nine tries, or a few more when a timer ends a tick early before the deadline. Pauses that never
        // doubled would make some seventy.
        Assert.InRange(tries.Count, 2, 12);
        for (var i = 1; i < tries.Count; i++)
        {
            var planned = TimeSpan.FromMilliseconds(Math.Min(10 << Math.Min(i - 1, 5), 160));
            var left = timeout - tries[i - 1];
            var expected = planned < left ? planned : left;
            Assert.True(tries[i] - tries[i - 1] >= expected - TimerGranularity, $"pause {i} was {(tries[i] - tries[i - 1]).TotalMilliseconds:0} ms, expected at least {expected.TotalMilliseconds:0} ms");
        }
    }

    [Fact]
    public async Task A_pause_under_a_millisecond_still_waits()
    {
        // Task.Delay returns at once for less than a millisecond; a loop that passes such a pause on spins.
        var tries = 0;
        var done = await Retry.UntilAsync(_ =>
        {
            tries++;
            return ValueTask.FromResult(false);
        }, TimeSpan.FromMilliseconds(50), RetryDelays.Every(TimeSpan.FromTicks(2_000)), CancellationToken.None);

        Assert.False(done);
        Assert.InRange(tries, 2, 100);
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
