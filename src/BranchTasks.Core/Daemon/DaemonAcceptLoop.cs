using System.Collections.Concurrent;
using System.IO.Pipes;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// Accepts connections on the daemon's pipe (a Unix socket, or a named pipe on Windows) that only this OS user may
/// open, and serves each on its own task (<see cref="DaemonConnection"/>).
/// </summary>
internal sealed class DaemonAcceptLoop(string pipeName, Func<Stream, CancellationToken, Task> serve, DaemonLog log)
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly ConcurrentDictionary<Task, bool> _serving = new();

    /// <summary>Connections being served; stopping waits for them so that their callers get an answer.</summary>
    public Task WhenServedAsync(TimeSpan limit) =>
        Task.WhenAll(_serving.Keys).WaitAsync(limit);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // The next instance is created before the connected one is handed off: on Unix all instances share one
        // listening socket that is closed (and its file removed) when the last instance is disposed, so a
        // request finishing before the next instance exists would leave a moment with no daemon to connect to.
        var pipe = CreateInstance();
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
                pipe = CreateInstance();
                await failed.DisposeAsync().ConfigureAwait(false);
                if (e is not UnauthorizedAccessException && !await PauseAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            var connected = pipe;
            pipe = CreateInstance();
            var serving = ServeAsync(connected, cancellationToken);
            _serving.TryAdd(serving, true);
            _ = serving.ContinueWith(t => _serving.TryRemove(t, out _), TaskScheduler.Default);
        }

        await pipe.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ServeAsync(NamedPipeServerStream pipe, CancellationToken cancellationToken)
    {
        await using (pipe.ConfigureAwait(false))
        {
            await serve(pipe, cancellationToken).ConfigureAwait(false);
        }
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

    private NamedPipeServerStream CreateInstance() =>
        new(pipeName, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances, PipeTransmissionMode.Byte, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
}
