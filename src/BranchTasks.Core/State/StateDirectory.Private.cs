using BranchTasks.Core.Platform;

namespace BranchTasks.Core.State;

public sealed partial class StateDirectory
{
    /// <summary>
    /// Creates the state directory when missing and checks it is the user's alone (see <see cref="PrivateDirectory"/>).
    /// Returns a line to log when loosened permissions were put back, else null; throws BT0503 when it is not private.
    /// </summary>
    public string? EnsureRoot() => PrivateDirectory.Ensure(Root);

    /// <summary>Creates <paramref name="relative"/> (or the root) readable by the current user only, after checking the root.</summary>
    public string EnsureDirectory(string relative = "")
    {
        if (EnsureRoot() is { } repaired)
        {
            // Outside the daemon (which logs it) this is a CLI command: tell the user on stderr, not in the output.
            Console.Error.WriteLine("BranchTasks: " + repaired);
        }

        if (relative.Length == 0)
        {
            return Root;
        }

        var path = Path.Combine(Root, relative);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>Writes a file only the current user may read; see <see cref="PrivateFile.Write(string, string)"/>.</summary>
    public static void WritePrivateFile(string path, string contents) => PrivateFile.Write(path, contents);
}
