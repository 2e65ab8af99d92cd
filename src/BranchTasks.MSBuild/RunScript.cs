using System.Text;
using BranchTasks.Core.Platform;

namespace BranchTasks.MSBuild;

/// <summary>
/// The small sh script that `dotnet run` / `dotnet watch` start as the run command on Unix (see <see cref="AppLaunch"/>):
/// it execs (same pid, so Ctrl+C and dotnet watch reach the app) the given words, then the run's own arguments
/// ("$@": a launch profile's commandLineArgs, the arguments after --, the project's RunArguments).
/// </summary>
internal static class RunScript
{
    private const UnixFileMode ScriptMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Writes the script into <paramref name="folder"/> unless it is there already, and returns its path.</summary>
    public static string Write(string folder, IEnumerable<string> words)
    {
        var script = Text(words);
        // Named after its content: two runs of one project on different branches never start each other's script.
        // Not a secret and not a defence (a name shared by two contents is rewritten below), so a plain 64-bit
        // FNV-1a: a cryptographic hash would load OpenSSL into the MSBuild process on every run.
        var path = Path.Combine(Path.GetFullPath(folder), "branchtasks-run-" + Fnv1a64(script).ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + ".sh");
        if (!File.Exists(path) || File.ReadAllText(path) != script)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            PrivateFile.Write(path, script, ScriptMode);
        }

        return path;
    }

    public static string Text(IEnumerable<string> words) =>
        "#!/bin/sh\n"
        + "# Written by BranchTasks for `dotnet run` / `dotnet watch`: starts the app with the run's own arguments (\"$@\": a launch\n"
        + "# profile's commandLineArgs, the arguments after --, the project's RunArguments) and the connection string.\n"
        + "exec " + string.Join(' ', words.Select(ShellQuote)) + " \"$@\"\n";

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static ulong Fnv1a64(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
