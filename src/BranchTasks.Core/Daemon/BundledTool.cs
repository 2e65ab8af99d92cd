using System.Runtime.InteropServices;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// The tool bundled in the BranchTasks package comes twice: managed (<c>tools/branchtasks/branchtasks.dll</c>, for
/// every platform with .NET) and native (<c>tools/branchtasks-linux-x64/branchtasks</c>, NativeAOT: starts in
/// milliseconds and idles in less memory). Which of the two a front end (the MSBuild task, AddBranchTasks()) starts.
/// Compiled into the packages that use it.
/// </summary>
public static class BundledTool
{
    /// <summary>Set to 1 (or true) to start the managed tool even where the native one could run.</summary>
    public const string ManagedVariable = "BRANCHTASKS_MANAGED_TOOL";

    /// <summary>The native build's folder, a sibling of the managed build's.</summary>
    public const string NativeFolder = "branchtasks-linux-x64";

    // The native build links against glibc with symbol versions up to 2.34 (the build machine's loader and libc).
    private static readonly Version MinimumGlibc = new(2, 34);
    private const string GlibcLoader = "/lib64/ld-linux-x86-64.so.2";

    /// <summary>How to run the tool whose managed build is <paramref name="managedDll"/>: its native build when this machine runs it, else <c>dotnet exec</c>.</summary>
    public static List<string> Command(string managedDll, string dotnetHost, bool allowNative = true) =>
        (allowNative ? NativeFor(managedDll) : null) is { } native ? [native] : [dotnetHost, "exec", managedDll];

    /// <summary>The native build beside <paramref name="managedDll"/>, or null when there is none, it is forced off, or this machine cannot run it.</summary>
    public static string? NativeFor(string managedDll)
    {
        if (Environment.GetEnvironmentVariable(ManagedVariable) is { } forced && (forced == "1" || forced.Equals("true", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var tools = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(managedDll)));
        if (tools is null || !MachineRunsNative())
        {
            return null;
        }

        var native = Path.Combine(tools, NativeFolder, "branchtasks");
        return File.Exists(native) && IsExecutable(native) ? native : null;
    }

    /// <summary>linux-x64 with glibc (not musl) new enough for the native build.</summary>
    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    public static bool MachineRunsNative()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64 || !File.Exists(GlibcLoader))
        {
            return false;
        }

        try
        {
            return Version.TryParse(Marshal.PtrToStringAnsi(GnuGetLibcVersion()), out var version) && version >= MinimumGlibc;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// NuGet keeps no file modes: the restored native tool is not executable until its owner makes it so, as
    /// `dotnet tool install` does for a tool's command. Done only to a file of ours (another's stays as it is).
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool IsExecutable(string path)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) != 0)
        {
            return true;
        }

        try
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuGetLibcVersion();
}
