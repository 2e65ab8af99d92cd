using System.Security.Cryptography;
using System.Text;

namespace BranchTasks.Core.Platform;

/// <summary>
/// The one rule for where a BranchTasks Unix socket lives (the daemon's, the private server's): at its preferred
/// path in the state directory when that fits sun_path, else in a folder only the user can enter, so no other
/// user can bind the name first or connect.
/// </summary>
public static class UnixSocketPath
{
    public const string RuntimeDirectoryVariable = "XDG_RUNTIME_DIR";

    // sockaddr_un.sun_path holds 104 (macOS) to 108 (Linux) bytes including the terminator.
    internal const int MaxBytes = 100;

    /// <param name="preferred">The socket's path in the state directory.</param>
    /// <param name="key">What the socket belongs to (a folder path); its hash names the fallback, so two state directories never clash.</param>
    public static string Resolve(string preferred, string key) =>
        Resolve(preferred, key, Environment.GetEnvironmentVariable(RuntimeDirectoryVariable), Path.GetTempPath());

    internal static string Resolve(string preferred, string key, string? runtimeDirectory, string tempDirectory)
    {
        // Windows has no sun_path limit to work around, and named pipes instead of sockets for the daemon.
        if (OperatingSystem.IsWindows() || Encoding.UTF8.GetByteCount(preferred) <= MaxBytes)
        {
            return preferred;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        if (IsUsableRuntimeDirectory(runtimeDirectory))
        {
            return Path.Combine(runtimeDirectory, "branchtasks-" + hash + ".sock");
        }

        return Path.Combine(PerUserTempFolder(tempDirectory), hash + ".sock");
    }

    /// <summary>The fallback when there is no usable XDG_RUNTIME_DIR: a folder of the user's own in the shared temp folder.</summary>
    internal static string PerUserTempFolder(string tempDirectory) =>
        Path.Combine(tempDirectory, "branchtasks-" + UnixInterop.EffectiveUserId().ToString(System.Globalization.CultureInfo.InvariantCulture));

    // The XDG base directory spec makes it the user's, mode 0700; checked rather than trusted, since it is only
    // an environment variable.
    private static bool IsUsableRuntimeDirectory([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? path)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
        {
            return false;
        }

        return UnixInterop.Status(path) is { Kind: UnixFileKind.Directory, OpenToOthers: false } status && status.Owner == UnixInterop.EffectiveUserId();
    }
}
