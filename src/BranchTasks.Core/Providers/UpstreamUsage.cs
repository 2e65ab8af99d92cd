namespace BranchTasks.Core.Providers;

/// <summary>
/// Counts the tunnel connections that logged in (or are logging in) with one set of credentials, so a provider
/// that rotates them can keep the old ones until the last connection using them has closed: deleting a
/// PlanetScale password disconnects every client that uses it. Once retired, no new connection may start
/// with these credentials (<see cref="TryEnter"/> says no and the tunnel takes the current ones instead).
/// </summary>
public sealed class UpstreamUsage
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;
    private bool _retired;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Completes once <see cref="Retire"/> was called and no connection uses the credentials any more.</summary>
    public Task Drained => _drained.Task;

    /// <summary>One more connection uses the credentials until the returned handle is disposed; null once retired.</summary>
    public IDisposable? TryEnter()
    {
        lock (_gate)
        {
            if (_retired)
            {
                return null;
            }

            _count++;
            return new Hold(this);
        }
    }

    /// <summary>No new connection starts with these credentials; <see cref="Drained"/> completes when the open ones have closed.</summary>
    public void Retire()
    {
        lock (_gate)
        {
            _retired = true;
            if (_count == 0)
            {
                _drained.TrySetResult();
            }
        }
    }

    private void Leave()
    {
        lock (_gate)
        {
            if (--_count == 0 && _retired)
            {
                _drained.TrySetResult();
            }
        }
    }

    private sealed class Hold(UpstreamUsage usage) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                usage.Leave();
            }
        }
    }
}
