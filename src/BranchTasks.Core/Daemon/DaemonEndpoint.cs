using System.Security.Cryptography;
using System.Text;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// Where the daemon of a state directory listens. The pipe API is used on every OS: on Windows it is a
/// named pipe, on Unix .NET binds a Unix domain socket at the absolute path given as the pipe name (see
/// <see cref="UnixSocketPath"/> for where).
/// </summary>
public static class DaemonEndpoint
{
    public static string PipeName(string stateRoot)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(stateRoot)))).Substring(0, 16).ToLowerInvariant();
        if (OperatingSystem.IsWindows())
        {
            return "branchtasks-" + Environment.UserName + "-" + hash;
        }

        var root = Path.GetFullPath(stateRoot);
        return UnixSocketPath.Resolve(Path.Combine(root, "daemon.sock"), root);
    }
}
