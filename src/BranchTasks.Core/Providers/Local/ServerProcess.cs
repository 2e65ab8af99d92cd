using System.Diagnostics;

namespace BranchTasks.Core.Providers.Local;

/// <summary>Checks on a server process by pid alone (it was usually started by another process).</summary>
internal static class ServerProcess
{
    /// <summary>
    /// Alive and still a database server: a recorded pid can be reused by an unrelated process after a
    /// reboot, and that process must never be taken for the server (or killed).
    /// </summary>
    public static bool IsAlive(int processId)
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

    public static async Task<bool> WaitForExitAsync(int processId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(processId))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public static void Kill(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
