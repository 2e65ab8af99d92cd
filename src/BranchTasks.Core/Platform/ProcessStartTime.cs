using System.ComponentModel;
using System.Diagnostics;

namespace BranchTasks.Core.Platform;

/// <summary>
/// When a process started, or null when it is gone: a pid plus its start time names one process for good, where a
/// pid alone may since have been given to another.
/// </summary>
public static class ProcessStartTime
{
    /// <summary>Two readings of one process's start time differ by rounding at most; a reused pid starts later.</summary>
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(1);

    public static DateTimeOffset? Of(int processId)
    {
        if (processId <= 0 || IsZombie(processId))
        {
            return null;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return new DateTimeOffset(process.StartTime.ToUniversalTime());
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Whether the process <paramref name="processId"/> that started at <paramref name="startedAt"/> still runs.</summary>
    public static bool IsRunning(int processId, DateTimeOffset startedAt) =>
        Of(processId) is { } now && (now - startedAt).Duration() <= Tolerance;

    /// <summary>
    /// A process killed while its parent has not reaped it yet still has its pid and start time; /proc's state letter
    /// tells it has ended.
    /// </summary>
    private static bool IsZombie(int processId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var end = stat.LastIndexOf(')');
            return end > 0 && end + 2 < stat.Length && stat[end + 2] is 'Z' or 'X';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }
}
