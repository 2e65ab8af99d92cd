namespace BranchTasks.Core.Tunnel;

/// <summary>
/// The time a connection has to log in. The relay threads block in socket calls that watch no token, so when the
/// time is up the deadline shuts the sockets down, which wakes them. <see cref="Complete"/> and the timer race for
/// one flag, so a login that passes at the last moment is either kept whole or closed, never half of each.
/// </summary>
internal sealed class LoginDeadline : IDisposable
{
    private const int Pending = 0;
    private const int Done = 1;
    private const int TimedOut = 2;

    private readonly Action _expire;
    private readonly Timer _timer;
    private int _state;

    public LoginDeadline(TimeSpan limit, Action expire)
    {
        Limit = limit;
        _expire = expire;
        _timer = new Timer(static state => ((LoginDeadline)state!).Fire(), this, limit, Timeout.InfiniteTimeSpan);
    }

    public TimeSpan Limit { get; private set; }

    public bool Expired => Volatile.Read(ref _state) == TimedOut;

    /// <summary>Gives the next phase (the upstream login) its own time, from now.</summary>
    public void Extend(TimeSpan limit)
    {
        if (Volatile.Read(ref _state) == Pending)
        {
            Limit = limit;
            _timer.Change(limit, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops the clock; false when it had already run out (the connection is being closed).</summary>
    public bool Complete()
    {
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Interlocked.CompareExchange(ref _state, Done, Pending) != TimedOut;
    }

    private void Fire()
    {
        if (Interlocked.CompareExchange(ref _state, TimedOut, Pending) == Pending)
        {
            try
            {
                _expire();
            }
            catch (ObjectDisposedException)
            {
                // The connection finished while the timer fired; there is nothing left to close.
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
