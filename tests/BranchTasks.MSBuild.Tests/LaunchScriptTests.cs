using System.Diagnostics;
using BranchTasks.Testing;

namespace BranchTasks.MSBuild.Tests;

/// <summary>
/// build/BranchTasks.launch.sh, the token-mode launcher on Unix, run by /bin/sh exactly as BranchTasks.targets makes
/// `dotnet run` run it: the value goes from a file into the environment, never into an argument, and the shell
/// becomes the command (same pid).
/// </summary>
public sealed class LaunchScriptTests : IDisposable
{
    private static readonly string Script = Path.Combine(RepositoryLayout.Root, "src", "BranchTasks.MSBuild", "build", "BranchTasks.launch.sh");
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-launch-sh-").FullName;

    [Fact]
    public async Task The_command_gets_the_value_in_its_environment_with_the_launchers_pid_and_no_value_in_its_arguments()
    {
        // Shell syntax in the value must stay text: it is data, never expanded or run.
        const string value = "Server=127.0.0.1;Password=$(touch pwned) `touch pwned2` \"q\" 'q' $HOME;Database=x";
        var file = Path.Combine(_folder, "connection.txt");
        File.WriteAllText(file, value + "\n");

        var info = ProcessRunner.CreateStartInfo("/bin/sh", [Script, file, "ConnectionStrings__Default", "/bin/sh", "-c", "echo $$; printenv ConnectionStrings__Default; tr '\\0' ' ' < /proc/$$/cmdline; echo; exit 7", "ignored-arg0"], _folder, null);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 7, $"exit code {process.ExitCode}\n{output}\n{errors}");
        var lines = output.Split('\n');
        Assert.Equal(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), lines[0]);
        Assert.Equal(value, lines[1]);
        Assert.DoesNotContain("Password", lines[2]);
        Assert.Contains("printenv ConnectionStrings__Default", lines[2]);
        Assert.False(File.Exists(Path.Combine(_folder, "pwned")));
        Assert.False(File.Exists(Path.Combine(_folder, "pwned2")));
    }

    [Fact]
    public async Task A_value_without_a_final_newline_is_read_whole()
    {
        var file = Path.Combine(_folder, "connection.txt");
        File.WriteAllText(file, "Server=127.0.0.1;Password=abc");

        var result = await ProcessRunner.RunAsync("/bin/sh", [Script, file, "ConnectionStrings__Default", "printenv", "ConnectionStrings__Default"], _folder);

        Assert.Equal("Server=127.0.0.1;Password=abc\n", result.EnsureSuccess("launcher").StandardOutput);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_missing_or_empty_file_is_error_BT0507_and_the_command_does_not_run(bool empty)
    {
        var file = Path.Combine(_folder, "connection.txt");
        if (empty)
        {
            File.WriteAllText(file, "");
        }

        var marker = Path.Combine(_folder, "ran");
        var result = await ProcessRunner.RunAsync("/bin/sh", [Script, file, "ConnectionStrings__Default", "touch", marker], _folder);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("branchtasks : error BT0507: ", result.StandardError);
        Assert.Contains(file, result.StandardError);
        Assert.Contains("dotnet run", result.StandardError);
        Assert.False(File.Exists(marker));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
