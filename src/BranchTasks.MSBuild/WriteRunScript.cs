using System.Security.Cryptography;
using System.Text;
using BranchTasks.Core.Platform;
using Microsoft.Build.Framework;
using MSBuildTask = Microsoft.Build.Utilities.Task;

namespace BranchTasks.MSBuild;

/// <summary>
/// Writes the small sh script that `dotnet run` / `dotnet watch` start as the run command (Unix), so the
/// connection string reaches the app while RunArguments stays as the project had it. `dotnet run` gives the
/// app a launch profile's <c>commandLineArgs</c> only when the run's arguments are otherwise empty, so an
/// injected argument in RunArguments would silently drop them; through this script the app gets exactly
/// what it would get without BranchTasks (profile arguments, arguments after <c>--</c>, the project's
/// RunArguments) plus the connection string.
/// </summary>
public sealed class WriteRunScript : MSBuildTask
{
    private const UnixFileMode ScriptMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The folder for the script (the project's intermediate output folder).</summary>
    [Required]
    public string Folder { get; set; } = "";

    /// <summary>The project's run command (the app).</summary>
    [Required]
    public string Command { get; set; } = "";

    /// <summary>Put before the run's own arguments (the <c>--ConnectionStrings:name=...</c> argument), when set.</summary>
    public string? LeadingArgument { get; set; }

    /// <summary>Token mode: the launcher script, its connection string file and variable; the app is started through it.</summary>
    public string? LaunchScript { get; set; }

    public string? ConnectionStringFile { get; set; }

    public string? Variable { get; set; }

    [Output]
    public string ScriptPath { get; set; } = "";

    public override bool Execute()
    {
        var words = new List<string>();
        if (!string.IsNullOrEmpty(LaunchScript))
        {
            words.AddRange(["/bin/sh", LaunchScript, ConnectionStringFile ?? "", Variable ?? ""]);
        }

        words.Add(Command);
        if (!string.IsNullOrEmpty(LeadingArgument))
        {
            words.Add(LeadingArgument);
        }

        var script = Script(words);
        // Named after its content: two runs of one project on different branches never start each other's script.
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(script)))[..16];
        ScriptPath = Path.Combine(Path.GetFullPath(Folder), "branchtasks-run-" + name + ".sh");
        if (!File.Exists(ScriptPath) || File.ReadAllText(ScriptPath) != script)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ScriptPath)!);
            PrivateFile.Write(ScriptPath, script, ScriptMode);
        }

        return true;
    }

    /// <summary>The script: exec (same pid, so Ctrl+C and dotnet watch reach the app) with the run's own arguments last.</summary>
    public static string Script(IEnumerable<string> words) =>
        "#!/bin/sh\n"
        + "# Written by BranchTasks for `dotnet run` / `dotnet watch`: starts the app with the run's own arguments (\"$@\": a launch\n"
        + "# profile's commandLineArgs, the arguments after --, the project's RunArguments) and the connection string.\n"
        + "exec " + string.Join(' ', words.Select(ShellQuote)) + " \"$@\"\n";

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
