using System.Reflection;
using System.Runtime.InteropServices;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;

namespace BranchTasks.Configuration;

/// <summary>
/// Finds the BranchTasks tool that starts the daemon when none answers: <see cref="BranchTasksConfigurationOptions.ToolPath"/>,
/// else the bundled tool whose path the <c>BranchTasks</c> package compiled into the app's assembly
/// (<c>[assembly: AssemblyMetadata("BranchTasks.ToolPath", ...)]</c>), else <c>branchtasks</c> on the PATH.
/// The path is fixed when the app is built: nothing read at run time (the working folder, branchtasks.json on a
/// checked-out branch, an environment variable of the repository's) can point the app at another program.
/// </summary>
internal static class ToolLocator
{
    public const string MetadataKey = "BranchTasks.ToolPath";

    /// <summary>Tests only: the PATH to search instead of the process's (which is global to the test run).</summary>
    internal static string? PathForTests { get; set; }

    /// <summary>The command that runs the tool, or null when none was found; <paramref name="tried"/> says where it looked.</summary>
    /// <exception cref="BranchTasksConfigurationException">BT0803: the tool found is not safe to run.</exception>
    public static ToolCommand? Find(string? explicitPath, Assembly? appAssembly, out string tried)
    {
        var places = new List<string>();
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            var path = Path.GetFullPath(explicitPath);
            places.Add($"ToolPath {path}");
            if (File.Exists(path))
            {
                tried = string.Join("; ", places);
                return CommandFor(path);
            }
        }

        var embedded = FromAssemblies(appAssembly);
        if (embedded is not null)
        {
            places.Add($"the BranchTasks package's tool {embedded}");
            if (File.Exists(embedded))
            {
                tried = string.Join("; ", places);
                return CommandFor(embedded);
            }
        }
        else
        {
            places.Add("the BranchTasks package (the app's assembly names no bundled tool: the app does not reference the package, or was built without it)");
        }

        var installed = OnPath(OperatingSystem.IsWindows() ? "branchtasks.exe" : "branchtasks");
        places.Add("branchtasks on the PATH");
        tried = string.Join("; ", places);
        return installed is null ? null : ToolCommand.Program([installed]);
    }

    /// <summary>The app's assembly first (the caller of AddBranchTasks), then the entry assembly, then any loaded one.</summary>
    private static string? FromAssemblies(Assembly? appAssembly)
    {
        var candidates = new[] { appAssembly, Assembly.GetEntryAssembly() }.Concat(AppDomain.CurrentDomain.GetAssemblies());
        foreach (var assembly in candidates)
        {
            if (assembly is null || assembly.IsDynamic)
            {
                continue;
            }

            var value = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == MetadataKey)?.Value;
            if (!string.IsNullOrWhiteSpace(value) && Path.IsPathFullyQualified(value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A branchtasks.dll runs as its native build beside it where that runs here (<see cref="ToolCommand"/>), else with the app's dotnet.</summary>
    private static ToolCommand CommandFor(string path)
    {
        EnsureTrusted(path);
        if (!path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return ToolCommand.Program([path]);
        }

        var command = ToolCommand.ForManaged(path, DotnetHost());
        if (command.Native is { } native)
        {
            EnsureTrusted(native[0]);
        }

        return command;
    }

    /// <summary>
    /// A tool another user could have replaced would run that user's code as us, with our credentials: the file and
    /// its folder (which holds the assemblies it loads) must be ours or root's, and writable by nobody else.
    /// </summary>
    internal static void EnsureTrusted(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var me = UnixInterop.EffectiveUserId();
        foreach (var item in new[] { path, Path.GetDirectoryName(path)! })
        {
            var status = UnixInterop.Status(item);
            if (status is not { } s)
            {
                continue;
            }

            const UnixFileMode othersWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
            if ((s.Owner != me && s.Owner != 0) || (s.Permissions & othersWrite) != 0)
            {
                throw new BranchTasksConfigurationException(
                    ErrorCodes.AppToolNotTrusted,
                    $"The BranchTasks tool {path} is not run: {item} is {(s.Owner != me && s.Owner != 0 ? $"owned by another user (uid {s.Owner})" : "writable by other users")}, so someone else could have replaced it. "
                    + $"Restore the NuGet package folder's permissions (chmod go-w {item}), or set ToolPath in AddBranchTasks(o => o.ToolPath = ...) to a tool only you can change.");
            }
        }
    }

    /// <summary>The dotnet host of the runtime this app runs on (the app may have been started as its apphost).</summary>
    private static string DotnetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileName(process).Equals(name, StringComparison.OrdinalIgnoreCase))
        {
            return process;
        }

        // <dotnet root>/shared/Microsoft.NETCore.App/<version>/
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, name);
        return File.Exists(host) ? host : OnPath(name) ?? name;
    }

    private static string? OnPath(string name)
    {
        foreach (var folder in (PathForTests ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Path.IsPathFullyQualified(folder))
            {
                continue;
            }

            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
