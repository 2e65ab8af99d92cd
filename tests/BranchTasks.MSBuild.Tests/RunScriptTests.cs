using System.Reflection;
using BranchTasks.Testing;
using Microsoft.Build.Definition;
using Microsoft.Build.Evaluation;
using Microsoft.Build.Execution;

namespace BranchTasks.MSBuild.Tests;

/// <summary>
/// The WriteRunScript task as BranchTasks.targets runs it: the script it writes starts the command with the leading
/// argument as literal text (shell syntax in it is never run) and then the run's own arguments, unchanged.
/// </summary>
[Collection(BuildManagerCollection.Name)]
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

        var script = Write(printer, leading);
        Assert.StartsWith(Path.Combine(_folder, "obj") + Path.DirectorySeparatorChar, script);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(script));
        // The same content gives the same script; another gives another (two runs never start each other's).
        Assert.Equal(script, Write(printer, leading));
        Assert.NotEqual(script, Write(printer, leading + "x"));

        var result = await ProcessRunner.RunAsync(script, ["--Greeting=hi", "a b", "$HOME"], _folder);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal([leading, "--Greeting=hi", "a b", "$HOME"], result.StandardOutput.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(Path.Combine(_folder, "pwned")));
        Assert.False(File.Exists(Path.Combine(_folder, "pwned2")));
    }

    private string Write(string command, string leading)
    {
        var project = Path.Combine(_folder, "write.proj");
        File.WriteAllText(project, $"""
            <Project>
              <UsingTask TaskName="BranchTasks.MSBuild.WriteRunScript" AssemblyFile="{Metadata("BranchTasksMSBuildOutput")}BranchTasks.MSBuild.dll" />
              <Target Name="Write">
                <WriteRunScript Folder="$(MSBuildProjectDirectory)/obj/" Command="$(Cmd)" LeadingArgument="$(Lead)">
                  <Output TaskParameter="ScriptPath" PropertyName="Script" />
                </WriteRunScript>
              </Target>
            </Project>
            """);
        using var collection = new ProjectCollection();
        var instance = ProjectInstance.FromFile(project, new ProjectOptions
        {
            ProjectCollection = collection,
            GlobalProperties = new Dictionary<string, string> { ["Cmd"] = command, ["Lead"] = leading },
        });
        Assert.True(instance.Build(["Write"], []));
        return instance.GetPropertyValue("Script");
    }

    private static string Metadata(string key) =>
        typeof(RunScriptTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

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
