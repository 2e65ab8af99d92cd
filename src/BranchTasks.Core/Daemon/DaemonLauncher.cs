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
    private readonly ToolCommand _program;
    private readonly IReadOnlyList<string> _arguments;

    /// <param name="daemonCommand">The program and arguments that run the daemon in the foreground.</param>
    public DaemonLauncher(StateDirectory state, IReadOnlyList<string> daemonCommand)
        : this(state, ToolCommand.Program(daemonCommand), [])
    {
    }

    /// <param name="tool">The tool whose `daemon run` runs the daemon in the foreground (native where it runs, else managed).</param>
    public DaemonLauncher(StateDirectory state, ToolCommand tool)
        : this(state, tool, ["daemon", "run"])
    {
    }

    private DaemonLauncher(StateDirectory state, ToolCommand program, IReadOnlyList<string> arguments)
    {
        _state = state;
        _program = program;
        _arguments = arguments;
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
        var lockPath = _state.PathOf("daemon.start.lock");
        using var startLock = await FileLock.AcquireAsync(lockPath, StartTimeout, cancellationToken).ConfigureAwait(false)
            ?? throw Unavailable($"another BranchTasks process held its start lock ({lockPath}) for more than {StartTimeout.TotalSeconds:0} seconds");
        if (await PingAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        // Never handed our stdout/stderr: whoever reads them (MSBuild, a test, a pipe) would wait for EOF until the
        // daemon exits, an hour later. What it prints before its log is open (a crash at start) goes to its log.
        using var process = StartDetached();
        var answered = await Retry.UntilAsync(
            async token =>
            {
                if (await PingAsync(token).ConfigureAwait(false))
                {
                    return true;
                }

                return process.HasExited && !await PingAsync(token).ConfigureAwait(false)
                    ? throw Unavailable($"it exited with code {process.ExitCode}")
                    : false;
            },
            StartTimeout,
            RetryDelays.Every(TimeSpan.FromMilliseconds(50)),
            cancellationToken).ConfigureAwait(false);
        if (!answered)
        {
            throw Unavailable($"it did not answer within {StartTimeout.TotalSeconds:0} seconds");
        }
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        var response = await DaemonClient.TrySendAsync(_state.Root, new DaemonRequest { Op = DaemonOps.Ping }, TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        return response?.Ok == true;
    }

    private System.Diagnostics.Process StartDetached()
    {
        try
        {
            return _program.Run(command => ChildProcess.StartDetached(
                new ProcessCommand(command[0], [.. command.Skip(1), .. _arguments]) { WorkingDirectory = _state.Root },
                _state.PathOf("daemon.log")));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw Unavailable($"{_program.Fallback[0]} could not be started ({e.Message})");
        }
    }

    private BranchTasksException Unavailable(string why) => new(
        ErrorCodes.DaemonUnavailable,
        $"The BranchTasks daemon could not be started: {why}. Its log is {_state.PathOf("daemon.log")}; run `branchtasks daemon run --verbose` to see it fail in the foreground.");
}
