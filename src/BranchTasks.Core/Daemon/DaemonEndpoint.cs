using System.Security.Cryptography;
using System.Text;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// Where the daemon of a state directory listens. The pipe API is used on every OS: on Windows it is a
/// named pipe, on Unix .NET binds a Unix domain socket at the absolute path given as the pipe name.
/// </summary>
public static class DaemonEndpoint
{
    // sockaddr_un.sun_path holds 104 (macOS) to 108 (Linux) bytes including the terminator.
    private const int MaxUnixSocketPath = 100;

    public static string PipeName(string stateRoot)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(stateRoot)))).Substring(0, 16).ToLowerInvariant();
        if (OperatingSystem.IsWindows())
        {
            return "branchtasks-" + Environment.UserName + "-" + hash;
        }

        var preferred = Path.Combine(Path.GetFullPath(stateRoot), "daemon.sock");
        if (Encoding.UTF8.GetByteCount(preferred) <= MaxUnixSocketPath)
        {
            return preferred;
        }

        // A deep state directory would overflow sun_path; fall back to a short, per-state-dir name.
        return Path.Combine(Path.GetTempPath(), "branchtasks-" + hash + ".sock");
    }
}
