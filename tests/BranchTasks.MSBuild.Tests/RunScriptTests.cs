extern alias tasks;

using BranchTasks.Testing;
using tasks::BranchTasks.MSBuild;

namespace BranchTasks.MSBuild.Tests;

/// <summary>
/// The run script the ensure step writes on Unix: it starts the command with the given words as literal text (shell
/// syntax in them is never run) and then the run's own arguments, unchanged.
/// </summary>
public sealed class RunScriptTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-run-script-").FullName;

    [Fact]
    public async Task The_script_passes_the_leading_argument_literally_then_the_runs_own_arguments()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // A command that prints each argument it gets on a line of its own.
        var printer = Path.Combine(_folder, "print args");
        File.WriteAllText(printer, "#!/bin/sh\nfor a; do printf '%s\\n' \"$a\"; done\n");
        File.SetUnixFileMode(printer, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        const string leading = "--ConnectionStrings:Default=Server=127.0.0.1;Database=it's $(touch pwned) `touch pwned2` \"q\" $HOME;";
        var obj = Path.Combine(_folder, "obj");

        var script = RunScript.Write(obj, [printer, leading]);
        Assert.StartsWith(obj + Path.DirectorySeparatorChar, script);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(script));
        // The same content gives the same script; another gives another (two runs never start each other's).
        Assert.Equal(script, RunScript.Write(obj, [printer, leading]));
        Assert.NotEqual(script, RunScript.Write(obj, [printer, leading + "x"]));

        var result = await ProcessRunner.RunAsync(script, ["--Greeting=hi", "a b", "$HOME"], _folder);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal([leading, "--Greeting=hi", "a b", "$HOME"], result.StandardOutput.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(Path.Combine(_folder, "pwned")));
        Assert.False(File.Exists(Path.Combine(_folder, "pwned2")));
    }

    [Fact]
    public void A_script_changed_on_disk_is_written_again()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var obj = Path.Combine(_folder, "obj");
        var script = RunScript.Write(obj, ["/bin/true"]);
        var original = File.ReadAllText(script);
        File.WriteAllText(script, "#!/bin/sh\necho tampered\n");

        Assert.Equal(script, RunScript.Write(obj, ["/bin/true"]));
        Assert.Equal(original, File.ReadAllText(script));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
