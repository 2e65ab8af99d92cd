using System.IO.Pipes;
using System.Text;
using System.Text.Json;
using BranchTasks.Core.Platform;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// The per-user daemon: holds tunnels, answers requests on a local pipe (a Unix socket in the state
/// directory, or a named pipe on Windows), and exits by itself once idle.
/// </summary>
public sealed class DaemonServer
{
    public const string IdleTimeoutVariable = "BRANCHTASKS_DAEMON_IDLE_TIMEOUT";
    public const string TunnelIdleTimeoutVariable = "BRANCHTASKS_TUNNEL_IDLE_TIMEOUT";
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultTunnelIdleTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The largest request line the daemon reads; requests are a few hundred bytes of JSON.</summary>
    public const int MaxRequestBytes = 1024 * 1024;

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly StateDirectory _state;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _tunnelIdleTimeout;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, bool> _serving = new();
    private long _lastRequestTicks = DateTimeOffset.UtcNow.UtcTicks;
    private int _busy;

    public DaemonServer(StateDirectory state, TimeSpan idleTimeout, TimeSpan? tunnelIdleTimeout = null)
    {
        _state = state;
        _idleTimeout = idleTimeout;
        _tunnelIdleTimeout = tunnelIdleTimeout ?? TunnelIdleTimeoutFromEnvironment();
    }

    /// <summary>Reads BRANCHTASKS_TUNNEL_IDLE_TIMEOUT the same way as the daemon's own idle timeout.</summary>
    public static TimeSpan TunnelIdleTimeoutFromEnvironment() => ParseTimeout(Environment.GetEnvironmentVariable(TunnelIdleTimeoutVariable), DefaultTunnelIdleTimeout);

    /// <summary>Reads BRANCHTASKS_DAEMON_IDLE_TIMEOUT: seconds, or a TimeSpan such as 00:30:00.</summary>
    public static TimeSpan IdleTimeoutFromEnvironment() => ParseTimeout(Environment.GetEnvironmentVariable(IdleTimeoutVariable), DefaultIdleTimeout);

    /// <summary>Seconds, or a TimeSpan such as 00:30:00; anything else means the default.</summary>
    private static TimeSpan ParseTimeout(string? value, TimeSpan fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : fallback;
    }

    /// <summary>How long a connection may take to send its request line before it is closed.</summary>
    internal TimeSpan RequestReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public void RequestShutdown() => _shutdown.Cancel();

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
        var idleWatch = WatchIdleAsync(service, log, linked);
        try
        {
            await AcceptLoopAsync(pipeName, service, log, linked.Token).ConfigureAwait(false);
        }
        finally
        {
            linked.Cancel();
            await idleWatch.ConfigureAwait(false);
            // Let requests in flight (the `down --all` that stopped us among them) finish their answers.
            await Task.WhenAll(_serving.Keys).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!OperatingSystem.IsWindows())
            {
                TryDelete(pipeName);
            }

            TryDelete(_state.PathOf("daemon.pid"));
            log.Write("daemon stopped");
        }

        return true;
    }

    private FileStream? TryTakeOwnership()
    {
        try
        {
            return PrivateFile.OpenLock(_state.PathOf("daemon.lock"));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task AcceptLoopAsync(string pipeName, DaemonService service, DaemonLog log, CancellationToken cancellationToken)
    {
        // The next instance is created before the connected one is handed off: on Unix all instances share one
        // listening socket that is closed (and its file removed) when the last instance is disposed, so a
        // request finishing before the next instance exists would leave a moment with no daemon to connect to.
        var pipe = CreateInstance(pipeName);
        if (!OperatingSystem.IsWindows())
        {
            // .NET binds the socket with the umask's mode; its folder is private already, this is the second lock.
            File.SetUnixFileMode(pipeName, OwnerReadWrite);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await pipe.WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await pipe.DisposeAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception e)
            {
                // A peer of another user (PipeOptions.CurrentUserOnly throws UnauthorizedAccessException after
                // accepting it) or a failed accept: that peer gets no answer, everyone else still does.
                log.Write($"refused a connection: {e.GetType().Name}: {e.Message}");
                var failed = pipe;
                pipe = CreateInstance(pipeName);
                await failed.DisposeAsync().ConfigureAwait(false);
                if (e is not UnauthorizedAccessException && !await PauseAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            var connected = pipe;
            pipe = CreateInstance(pipeName);
            var serving = ServeAsync(connected, service, log, cancellationToken);
            _serving.TryAdd(serving, true);
            _ = serving.ContinueWith(t => _serving.TryRemove(t, out _), TaskScheduler.Default);
        }

        await pipe.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Keeps an accept that fails at once (out of file descriptors) from spinning; false when stopping.</summary>
    private static async Task<bool> PauseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task WriteLineAsync(Stream pipe, SemaphoreSlim writeGate, DaemonResponse response)
    {
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(response, DaemonJson.Context.DaemonResponse) + "\n");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await writeGate.WaitAsync(timeout.Token).ConfigureAwait(false);
        try
        {
            await pipe.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
            await pipe.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            writeGate.Release();
        }
    }

    /// <summary>Streams progress lines to the caller ahead of the answer, and into the daemon's log.</summary>
    private sealed class PipeProgress(Stream pipe, SemaphoreSlim writeGate, DaemonLog log) : IProgress<string>
    {
        public void Report(string value)
        {
            log.Write(value);
            try
            {
                // Progress is best effort: a caller that went away must not fail the operation itself.
                WriteLineAsync(pipe, writeGate, new DaemonResponse { Progress = value }).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private static NamedPipeServerStream CreateInstance(string pipeName) =>
        new(pipeName, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances, PipeTransmissionMode.Byte, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);

    private async Task ServeAsync(NamedPipeServerStream pipe, DaemonService service, DaemonLog log, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _busy);
        Touch();
        await using (pipe.ConfigureAwait(false))
        {
            try
            {
                using var writeGate = new SemaphoreSlim(1, 1);
                var (outcome, line) = await DaemonRequestReader.ReadLineAsync(pipe, MaxRequestBytes, RequestReadTimeout, cancellationToken).ConfigureAwait(false);
                switch (outcome)
                {
                    case RequestReadOutcome.TimedOut:
                        log.Write($"closed a connection that sent no request within {RequestReadTimeout.TotalSeconds:0.#} s");
                        return;
                    case RequestReadOutcome.TooLarge:
                        log.Write($"refused a request larger than {MaxRequestBytes} bytes");
                        await WriteLineAsync(pipe, writeGate, DaemonResponse.Failure(
                            Errors.ErrorCodes.InvalidArgument,
                            $"Request refused: larger than {MaxRequestBytes / 1024 / 1024} MiB. Requests are one line of JSON; something other than a BranchTasks client is talking to the daemon.")).ConfigureAwait(false);
                        return;
                }

                if (line is null)
                {
                    // Closed without a request (a probe of whether a daemon listens).
                    return;
                }

                DaemonResponse response;
                DaemonRequest? request = null;
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    request = JsonSerializer.Deserialize(line, DaemonJson.Context.DaemonRequest);
                    response = request is null
                        ? DaemonResponse.Failure(Errors.ErrorCodes.InvalidArgument, "Empty request.")
                        : await service.HandleAsync(request, new PipeProgress(pipe, writeGate, log), cancellationToken).ConfigureAwait(false);
                }
                catch (JsonException e)
                {
                    response = DaemonResponse.Failure(Errors.ErrorCodes.InvalidArgument, "Malformed request: " + e.Message);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.Write($"{request?.Op} failed: {e}");
                    response = DaemonResponse.Failure(Errors.ErrorCodes.Unexpected, $"Unexpected failure in the BranchTasks daemon: {e.Message} (details in {log.Path})");
                }

                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                log.Write(response.Ok
                    ? $"{request?.Op} {request?.Directory}: ok in {elapsed:0.0} ms"
                    : $"{request?.Op} {request?.Directory}: {response.Error?.Code} in {elapsed:0.0} ms: {response.Error?.Message}");
                // Answer even when this very request stopped the daemon (down --all): the caller waits for it.
                await WriteLineAsync(pipe, writeGate, response).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The caller went away; nothing to answer.
            }
            finally
            {
                Touch();
                Interlocked.Decrement(ref _busy);
            }
        }
    }

    private void Touch() => Interlocked.Exchange(ref _lastRequestTicks, DateTimeOffset.UtcNow.UtcTicks);

    private async Task WatchIdleAsync(DaemonService service, DaemonLog log, CancellationTokenSource stop)
    {
        var shortest = _idleTimeout < _tunnelIdleTimeout ? _idleTimeout : _tunnelIdleTimeout;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(shortest.TotalMilliseconds / 4, 200, 30_000));
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(period, stop.Token).ConfigureAwait(false);
                if (await service.Tunnels.CloseIdleAsync(_tunnelIdleTimeout).ConfigureAwait(false) is var closed and > 0)
                {
                    log.Write($"closed {closed} tunnel(s) idle for {_tunnelIdleTimeout}");
                }

                var lastRequest = new DateTimeOffset(Interlocked.Read(ref _lastRequestTicks), TimeSpan.Zero);
                var lastTunnelUse = service.Tunnels.Snapshot().Select(t => t.LastUsedAt).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
                var lastActivity = lastRequest > lastTunnelUse ? lastRequest : lastTunnelUse;
                if (Volatile.Read(ref _busy) == 0 && service.Tunnels.OpenConnections == 0 && DateTimeOffset.UtcNow - lastActivity >= _idleTimeout)
                {
                    log.Write($"idle for {_idleTimeout}; exiting");
                    stop.Cancel();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

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
