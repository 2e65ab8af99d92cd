namespace BranchTasks.Core.Daemon;

/// <summary>
/// When the daemon is idle: no request in flight, no open tunnel connection, and neither a request nor tunnel use
/// for the idle timeout. Also closes tunnels unused for their own idle timeout on the way.
/// </summary>
internal sealed class DaemonIdleWatch(TimeSpan idleTimeout, TimeSpan tunnelIdleTimeout)
{
    private long _lastRequestTicks = DateTimeOffset.UtcNow.UtcTicks;
    private int _busy;

    /// <summary>Marks a request in flight until the returned scope is disposed.</summary>
    public IDisposable BeginRequest()
    {
        Interlocked.Increment(ref _busy);
        Touch();
        return new RequestScope(this);
    }

    private void Touch() => Interlocked.Exchange(ref _lastRequestTicks, DateTimeOffset.UtcNow.UtcTicks);

    /// <summary>Checks a few times per timeout; cancels <paramref name="stop"/> once the daemon has been idle long enough.</summary>
    public async Task RunAsync(DaemonService service, DaemonLog log, CancellationTokenSource stop)
    {
        var shortest = idleTimeout < tunnelIdleTimeout ? idleTimeout : tunnelIdleTimeout;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(shortest.TotalMilliseconds / 4, 200, 30_000));
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(period, stop.Token).ConfigureAwait(false);
                if (await service.Tunnels.CloseIdleAsync(tunnelIdleTimeout).ConfigureAwait(false) is var closed and > 0)
                {
                    log.Write($"closed {closed} tunnel(s) idle for {tunnelIdleTimeout}");
                }

                var lastRequest = new DateTimeOffset(Interlocked.Read(ref _lastRequestTicks), TimeSpan.Zero);
                var lastTunnelUse = service.Tunnels.Snapshot().Select(t => t.LastUsedAt).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
                var lastActivity = lastRequest > lastTunnelUse ? lastRequest : lastTunnelUse;
                if (Volatile.Read(ref _busy) == 0 && service.Tunnels.OpenConnections == 0 && DateTimeOffset.UtcNow - lastActivity >= idleTimeout)
                {
                    log.Write($"idle for {idleTimeout}; exiting");
                    stop.Cancel();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class RequestScope(DaemonIdleWatch owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Touch();
                Interlocked.Decrement(ref owner._busy);
            }
        }
    }
}
