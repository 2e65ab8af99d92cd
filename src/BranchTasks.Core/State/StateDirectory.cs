namespace BranchTasks.Core.State;

/// <summary>
/// The one per-user directory that holds all BranchTasks state (daemon socket and log, the private
/// server's data and credentials). <c>BRANCHTASKS_HOME</c> overrides it so tests and CI stay isolated.
/// </summary>
public sealed class StateDirectory
{
    public const string HomeVariable = "BRANCHTASKS_HOME";

    public StateDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The state directory of the current user, honouring <c>BRANCHTASKS_HOME</c>.</summary>
    public static StateDirectory ForCurrentUser() => new(ResolveRoot(Environment.GetEnvironmentVariable(HomeVariable)));

    internal static string ResolveRoot(string? overrideValue)
    {
        if (!string.IsNullOrWhiteSpace(overrideValue))
        {
            return overrideValue;
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "BranchTasks");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS())
        {
            return Path.Combine(home, "Library", "Application Support", "BranchTasks");
        }

        var xdgState = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        return Path.Combine(string.IsNullOrEmpty(xdgState) ? Path.Combine(home, ".local", "state") : xdgState, "branchtasks");
    }

    /// <summary>Creates <paramref name="relative"/> (or the root) readable by the current user only.</summary>
    public string EnsureDirectory(string relative = "")
    {
        var path = relative.Length == 0 ? Root : Path.Combine(Root, relative);
        if (!Directory.Exists(path))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return path;
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>
    /// Writes a file that only the current user may read (mode 0600 from its first byte, so a secret is
    /// never briefly world-readable), replacing it atomically.
    /// </summary>
    public static void WritePrivateFile(string path, string contents)
    {
        var temp = path + "." + Environment.ProcessId + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
        }

        File.Move(temp, path, overwrite: true);
    }
}
