using System.Diagnostics;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// Starts the daemon on demand. A lock file serialises concurrent starters so that eight simultaneous
/// `branchtasks up` yield one daemon; the daemon's own ownership lock makes a second one exit anyway.
/// </summary>
public sealed class DaemonLauncher
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly StateDirectory _state;
    private readonly IReadOnlyList<string> _daemonCommand;

    /// <param name="daemonCommand">The program and arguments that run the daemon in the foreground (`branchtasks daemon run`).</param>
    public DaemonLauncher(StateDirectory state, IReadOnlyList<string> daemonCommand)
    {
        _state = state;
        _daemonCommand = daemonCommand;
    }

    /// <summary>Sends <paramref name="request"/>, starting the daemon first when none answers.</summary>
    public async Task<DaemonResponse> SendAsync(DaemonRequest request, CancellationToken cancellationToken, Action<string>? progress = null)
    {
        var response = await DaemonClient.TrySendAsync(_state.Root, request, TimeSpan.FromMilliseconds(500), cancellationToken, progress).ConfigureAwait(false);
        if (response is not null)
        {
            return response;
        }

        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        return await DaemonClient.TrySendAsync(_state.Root, request, TimeSpan.FromSeconds(5), cancellationToken, progress).ConfigureAwait(false)
            ?? throw Unavailable("it started but stopped answering");
    }

    public async Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        _state.EnsureDirectory();
        using var startLock = await AcquireStartLockAsync(cancellationToken).ConfigureAwait(false);
        if (await PingAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var process = StartDetached();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await PingAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (process.HasExited && !await PingAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Unavailable($"it exited with code {process.ExitCode}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw Unavailable($"it did not answer within {StartTimeout.TotalSeconds:0} seconds");
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        var response = await DaemonClient.TrySendAsync(_state.Root, new DaemonRequest { Op = DaemonOps.Ping }, TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        return response?.Ok == true;
    }

    private Process StartDetached()
    {
        var info = new ProcessStartInfo(_daemonCommand[0])
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            // Never hand the daemon our stdout/stderr: whoever reads them (MSBuild, a test, a pipe)
            // would wait for EOF until the daemon exits, an hour later.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _state.Root,
        };
        foreach (var argument in _daemonCommand.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw Unavailable("the process could not be started");
        process.StandardInput.Close();
        // Drain and drop: the daemon logs to its file; this only keeps a stray write from blocking.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<FileStream> AcquireStartLockAsync(CancellationToken cancellationToken)
    {
        var path = _state.PathOf("daemon.start.lock");
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                return PrivateFile.OpenLock(path);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(25, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private BranchTasksException Unavailable(string why) => new(
        ErrorCodes.DaemonUnavailable,
        $"The BranchTasks daemon could not be started: {why}. Its log is {_state.PathOf("daemon.log")}; run `branchtasks daemon run --verbose` to see it fail in the foreground.");
}
