using BranchTasks.Core.Platform;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// The per-user daemon process: owns the state directory (one daemon per directory, by its lock), listens on its
/// pipe (<see cref="DaemonAcceptLoop"/>), answers requests (<see cref="DaemonConnection"/>, <see cref="DaemonService"/>),
/// and exits by itself once idle (<see cref="DaemonIdleWatch"/>).
/// </summary>
public sealed class DaemonServer : IDisposable
{
    private readonly StateDirectory _state;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _tunnelIdleTimeout;
    private readonly CancellationTokenSource _shutdown = new();

    public DaemonServer(StateDirectory state, TimeSpan idleTimeout, TimeSpan? tunnelIdleTimeout = null)
    {
        _state = state;
        _idleTimeout = idleTimeout;
        _tunnelIdleTimeout = tunnelIdleTimeout ?? DaemonTimeouts.TunnelIdleTimeoutFromEnvironment();
    }

    /// <summary>How long a connection may take to send its request line before it is closed.</summary>
    internal TimeSpan RequestReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public void RequestShutdown() => _shutdown.Cancel();

    public void Dispose() => _shutdown.Dispose();

    /// <summary>
    /// Runs until shut down or idle. Returns false at once when another daemon already owns the state directory;
    /// throws BT0503 without listening when the state directory (or the socket's folder) is not the user's alone.
    /// </summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var repaired = _state.EnsureRoot();
        using var ownership = TryTakeOwnership();
        if (ownership is null)
        {
            return false;
        }

        using var log = new DaemonLog(_state.PathOf("daemon.log"));
        if (repaired is not null)
        {
            log.Write(repaired);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var pipeName = DaemonEndpoint.PipeName(_state.Root);
        PrivateDirectory.EnsureSocketFolder(pipeName, _state.Root);
        if (!OperatingSystem.IsWindows() && File.Exists(pipeName))
        {
            // Left by a daemon that died; we hold the ownership lock, so nobody else listens there.
            File.Delete(pipeName);
        }

        StateDirectory.WritePrivateFile(_state.PathOf("daemon.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        log.Write($"daemon started, state {_state.Root}, pipe {pipeName}, idle timeout {_idleTimeout}");
        await using var service = new DaemonService(_state, RequestShutdown, log.Write);
        var idle = new DaemonIdleWatch(_idleTimeout, _tunnelIdleTimeout);
        var accept = new DaemonAcceptLoop(pipeName, ServeAsync, log);
        var idleWatch = idle.RunAsync(service, log, linked);
        try
        {
            await accept.RunAsync(linked.Token).ConfigureAwait(false);
        }
        finally
        {
            linked.Cancel();
            await idleWatch.ConfigureAwait(false);
            // Let requests in flight (the `down --all` that stopped us among them) finish their answers.
            await accept.WhenServedAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!OperatingSystem.IsWindows())
            {
                TryDelete(pipeName);
            }

            TryDelete(_state.PathOf("daemon.pid"));
            log.Write("daemon stopped");
        }

        return true;

        async Task ServeAsync(Stream pipe, CancellationToken token)
        {
            using var request = idle.BeginRequest();
            using var connection = new DaemonConnection(pipe, service, log, RequestReadTimeout);
            await connection.ServeAsync(token).ConfigureAwait(false);
        }
    }

    private FileLock? TryTakeOwnership() => FileLock.TryAcquire(_state.PathOf("daemon.lock"));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
