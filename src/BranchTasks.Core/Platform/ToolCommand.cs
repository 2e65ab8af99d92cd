using System.ComponentModel;
using System.Runtime.InteropServices;

namespace BranchTasks.Core.Platform;

/// <summary>
/// How to run the BranchTasks tool: the native (NativeAOT) executable <c>branchtasks</c> beside <c>branchtasks.dll</c>
/// where this machine can run it (linux-x64 with glibc 2.34 or newer, the file present and executable), else the
/// managed tool, <c>dotnet exec branchtasks.dll</c>. The one place that choice is made: the MSBuild task, AddBranchTasks()
/// and the tool starting its daemon all ask it, and start through <see cref="Run{T}"/> / <see cref="RunAsync{T}"/>,
/// which fall back to the managed tool when the native one cannot be started (an exec error). Compiled into the
/// packages that use it.
/// </summary>
public sealed class ToolCommand
{
    /// <summary>The native executable's name, in the folder of <c>branchtasks.dll</c>.</summary>
    public const string NativeFileName = "branchtasks";

    /// <summary>The oldest glibc the native executable runs on (it is linked against the build machine's).</summary>
    public static readonly Version MinimumGlibc = new(2, 34);

    private ToolCommand(IReadOnlyList<string>? native, IReadOnlyList<string> fallback)
    {
        Native = native;
        Fallback = fallback;
    }

    /// <summary>The native executable's command, or null when it is not to be tried here.</summary>
    public IReadOnlyList<string>? Native { get; }

    /// <summary>What runs when there is no native executable, or it could not be started.</summary>
    public IReadOnlyList<string> Fallback { get; }

    /// <summary>The command tried first.</summary>
    public IReadOnlyList<string> Preferred => Native ?? Fallback;

    /// <summary>The tool whose managed build is <paramref name="managedDll"/>, run by <paramref name="dotnetHost"/>; its native build preferred where it can run.</summary>
    public static ToolCommand ForManaged(string managedDll, string dotnetHost)
    {
        var native = NativeBeside(managedDll);
        return new ToolCommand(native is null ? null : [native], [dotnetHost, "exec", managedDll]);
    }

    /// <summary>A program that is run as it is (an installed <c>branchtasks</c>, an apphost, a native build that is already running).</summary>
    public static ToolCommand Program(IReadOnlyList<string> command) => new(null, command);

    /// <summary>
    /// The native executable in the folder of <paramref name="managedDll"/> when this machine can run it, else null. A
    /// file the package extraction left without its execute bit is given it (it is the current user's own file), as
    /// <c>dotnet tool install</c> does for a tool's executable.
    /// </summary>
    public static string? NativeBeside(string managedDll)
    {
        if (!OperatingSystem.IsLinux() || !PlatformRunsNative())
        {
            return null;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(managedDll));
        if (folder is null)
        {
            return null;
        }

        var path = Path.Combine(folder, NativeFileName);
        return File.Exists(path) && EnsureExecutable(path) ? path : null;
    }

    /// <summary>linux-x64 with glibc at least <see cref="MinimumGlibc"/>: where the native executable is built to run.</summary>
    public static bool PlatformRunsNative() =>
        OperatingSystem.IsLinux()
        && RuntimeInformation.OSArchitecture == Architecture.X64
        && GlibcVersion() is { } glibc
        && glibc >= MinimumGlibc;

    /// <summary>Starts the tool with <paramref name="start"/>: the native command first, the managed one when that cannot be started.</summary>
    public T Run<T>(Func<IReadOnlyList<string>, T> start)
    {
        if (Native is not null)
        {
            try
            {
                return start(Native);
            }
            catch (Win32Exception)
            {
                // exec failed (a file that is no executable for this machine, a missing loader): the managed tool.
            }
        }

        return start(Fallback);
    }

    /// <inheritdoc cref="Run{T}"/>
    public async Task<T> RunAsync<T>(Func<IReadOnlyList<string>, Task<T>> start)
    {
        if (Native is not null)
        {
            try
            {
                return await start(Native).ConfigureAwait(false);
            }
            catch (Win32Exception)
            {
                // As in Run: the managed tool.
            }
        }

        return await start(Fallback).ConfigureAwait(false);
    }

    public override string ToString() => string.Join(' ', Preferred);

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static bool EnsureExecutable(string path)
    {
        try
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & UnixFileMode.UserExecute) != 0)
            {
                return true;
            }

            if (UnixInterop.Status(path) is not { } status || status.Owner != UnixInterop.EffectiveUserId())
            {
                return false;
            }

            // Execute where it may be read, nothing more (never a write bit).
            var execute = UnixFileMode.UserExecute
                | ((mode & UnixFileMode.GroupRead) != 0 ? UnixFileMode.GroupExecute : 0)
                | ((mode & UnixFileMode.OtherRead) != 0 ? UnixFileMode.OtherExecute : 0);
            File.SetUnixFileMode(path, mode | execute);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The C library's glibc version, or null when it is not glibc (musl) or cannot be told.</summary>
    private static Version? GlibcVersion()
    {
        try
        {
            var text = Marshal.PtrToStringAnsi(gnu_get_libc_version());
            return Version.TryParse(text, out var version) ? version : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

#pragma warning disable SYSLIB1054 // No marshalling: a plain DllImport, as in UnixInterop (compiled into packages without unsafe code).
    [DllImport("libc.so.6", ExactSpelling = true)]
    private static extern IntPtr gnu_get_libc_version();
#pragma warning restore SYSLIB1054
}
