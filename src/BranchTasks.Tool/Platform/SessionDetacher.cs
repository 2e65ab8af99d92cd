using System.Runtime.InteropServices;

namespace BranchTasks.Tool.Platform;

/// <summary>
/// Makes the daemon outlive the terminal or build that started it: on Unix it leaves the caller's
/// session (so Ctrl+C or a closed terminal does not reach it) and ignores SIGINT and SIGHUP.
/// </summary>
public static partial class SessionDetacher
{
    /// <summary>Returns true when the process left its caller's session.</summary>
    public static bool Detach()
    {
        // setsid fails when already a process group leader: run by hand from an interactive shell,
        // where Ctrl+C should keep working.
        return !OperatingSystem.IsWindows() && setsid() != -1;
    }

    /// <summary>Calls <paramref name="shutdown"/> on SIGTERM (and SIGINT when attached to a terminal); a detached daemon ignores SIGINT and SIGHUP.</summary>
    public static IDisposable OnTerminate(Action shutdown, bool detached)
    {
        var registrations = new List<PosixSignalRegistration>
        {
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; shutdown(); }),
        };
        if (detached)
        {
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = true));
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true));
        }
        else
        {
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; shutdown(); }));
        }

        return new Registrations(registrations);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsid();

    private sealed class Registrations(List<PosixSignalRegistration> items) : IDisposable
    {
        public void Dispose() => items.ForEach(r => r.Dispose());
    }
}
