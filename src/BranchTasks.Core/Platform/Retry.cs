using System.Diagnostics;

namespace BranchTasks.Core.Platform;

/// <summary>The pauses between tries of <see cref="Retry"/>: <see cref="First"/>, doubling up to <see cref="Longest"/>.</summary>
public readonly record struct RetryDelays(TimeSpan First, TimeSpan Longest)
{
    public static RetryDelays Every(TimeSpan pause) => new(pause, pause);
}

/// <summary>
/// The one "try, pause, try again until a deadline" loop of the local waits: a lock to come free, a server or the
/// daemon to answer, a process to exit. (PlanetScale's HTTP retries have their own policy, on Polly.) A try that
/// throws ends the wait with its exception; the last try is made at the deadline, never skipped.
/// </summary>
public static class Retry
{
    /// <summary>Calls <paramref name="attempt"/> until it returns a value; null when it still had none at <paramref name="timeout"/>.</summary>
    public static async Task<T?> UntilAsync<T>(Func<CancellationToken, ValueTask<T?>> attempt, TimeSpan timeout, RetryDelays delays, CancellationToken cancellationToken)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        var pause = delays.First;
        while (true)
        {
            if (await attempt(cancellationToken).ConfigureAwait(false) is { } done)
            {
                return done;
            }

            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            // Task.Delay treats anything under a millisecond as no wait at all, which would spin the last
            // sub-millisecond before the deadline through thousands of tries.
            var wait = pause < left ? pause : left;
            await Task.Delay(wait < ShortestWait ? ShortestWait : wait, cancellationToken).ConfigureAwait(false);
            pause = pause * 2 < delays.Longest ? pause * 2 : delays.Longest;
        }
    }

    /// <summary>Calls <paramref name="attempt"/> until it returns true; false when it had not by <paramref name="timeout"/>.</summary>
    public static async Task<bool> UntilAsync(Func<CancellationToken, ValueTask<bool>> attempt, TimeSpan timeout, RetryDelays delays, CancellationToken cancellationToken) =>
        await UntilAsync<object>(async token => await attempt(token).ConfigureAwait(false) ? Done : null, timeout, delays, cancellationToken).ConfigureAwait(false) is not null;

    private static readonly object Done = new();

    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(1);
}
