namespace BranchTasks.Core.Providers.Local;

internal static class ServerIdentity
{
    /// <summary>
    /// mariadbd and mysqld refuse to run as root unless told to with <c>--user=root</c>; containers and CI run as root.
    /// </summary>
    public static bool RunningAsRoot => !OperatingSystem.IsWindows() && Environment.IsPrivilegedProcess;
}
