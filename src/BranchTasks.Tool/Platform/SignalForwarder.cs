using System.Diagnostics;
using System.Runtime.InteropServices;

namespace BranchTasks.Tool.Platform;

/// <summary>
/// Holds on to SIGINT, SIGQUIT and SIGTERM for a run that must clean up after its child (`exec --ephemeral`): we
/// stay alive, the child gets the signal and decides, and the caller learns it was interrupted. Registered before
/// the child exists, so an interrupt while the branch is still being cloned is not lost either.
/// </summary>
/// <remarks>
/// A Ctrl+C typed in a terminal reaches the child without us (it is in the terminal's foreground process group,
/// like us); forwarding it too would interrupt the child twice, which many programs take as "stop now". Only a
/// signal sent to us alone (CI cancelling a job, `kill`) is forwarded. On Windows the console delivers Ctrl+C to
/// every process attached to it, so nothing is forwarded there.
/// </remarks>
internal sealed class SignalForwarder : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly object _gate = new();
    private Process? _child;
    private PosixSignal? _pendingSignal;

    public SignalForwarder()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGTERM })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    /// <summary>The first signal received, as the exit code a shell reports for it (130 for SIGINT), or null.</summary>
    public int? InterruptExitCode { get; private set; }

    /// <summary>From now on, signals go to <paramref name="child"/>; one received before is passed on at once.</summary>
    public void Attach(Process child)
    {
        PosixSignal? pending;
        lock (_gate)
        {
            _child = child;
            pending = _pendingSignal;
        }

        if (pending is { } signal)
        {
            Forward(child, signal);
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        Process? child;
        lock (_gate)
        {
            InterruptExitCode ??= 128 + Number(context.Signal);
            child = _child;
            if (child is null)
            {
                _pendingSignal ??= context.Signal;
            }
        }

        if (child is not null)
        {
            Forward(child, context.Signal);
        }
    }

    private static void Forward(Process child, PosixSignal signal)
    {
        if (OperatingSystem.IsWindows() || (signal != PosixSignal.SIGTERM && TerminalDeliversToUs()))
        {
            return;
        }

        try
        {
            if (!child.HasExited)
            {
                _ = Kill(child.Id, Number(signal));
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Whether we are in the foreground process group of our controlling terminal (whose Ctrl+C reaches the child too).</summary>
    private static bool TerminalDeliversToUs()
    {
        try
        {
            using var terminal = File.OpenHandle("/dev/tty", FileMode.Open, FileAccess.Read);
            var foreground = TcGetPgrp((int)terminal.DangerousGetHandle());
            return foreground > 0 && foreground == GetPgrp();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No controlling terminal: nobody but whoever signalled us will tell the child.
            return false;
        }
    }

    private static int Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        _ => 15,
    };

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "tcgetpgrp", SetLastError = true)]
    private static extern int TcGetPgrp(int fd);

    [DllImport("libc", EntryPoint = "getpgrp")]
    private static extern int GetPgrp();

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
