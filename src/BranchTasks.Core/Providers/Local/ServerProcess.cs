using System.Diagnostics;
using System.Globalization;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Providers.Local;

/// <summary>Checks on a server process by pid alone (it was usually started by another process).</summary>
internal static class ServerProcess
{
    /// <summary>
    /// Alive, a database server, and serving this state's data directory. A recorded pid can be reused by
    /// an unrelated process (or another user's or another tool's mariadbd) after a crash or reboot, and that
    /// process must never be taken for ours, let alone killed.
    /// </summary>
    public static bool IsOurs(int processId, LocalServerLayout layout)
    {
        if (!IsServerProcess(processId))
        {
            return false;
        }

        // Linux shows every process's arguments; elsewhere the pid file the server keeps in our folder has to do.
        var cmdline = $"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/cmdline";
        if (OperatingSystem.IsLinux() && File.Exists(cmdline))
        {
            try
            {
                return File.ReadAllText(cmdline).Split('\0').Contains("--datadir=" + layout.DataDirectory, StringComparer.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }

        try
        {
            return File.Exists(layout.PidFile) && File.ReadAllText(layout.PidFile).Trim() == processId.ToString(CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static Task<bool> WaitForExitAsync(int processId, LocalServerLayout layout, TimeSpan timeout, CancellationToken cancellationToken) =>
        Retry.UntilAsync(_ => ValueTask.FromResult(!IsOurs(processId, layout)), timeout, RetryDelays.Every(TimeSpan.FromMilliseconds(50)), cancellationToken);

    /// <summary>Kills the server, but only after checking once more that the pid is still ours.</summary>
    public static void Kill(int processId, LocalServerLayout layout)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            if (IsOurs(processId, layout))
            {
                process.Kill();
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static bool IsServerProcess(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            if (process.HasExited)
            {
                return false;
            }

            var name = process.ProcessName;
            return name.StartsWith("mariadbd", StringComparison.OrdinalIgnoreCase) || name.StartsWith("mysqld", StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
