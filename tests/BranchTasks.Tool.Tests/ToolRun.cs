using BranchTasks.Core.State;

namespace BranchTasks.Tool.Tests;

/// <summary>
/// One `branchtasks` call in this process, with stdout and stderr captured and a state directory of its own (so no
/// daemon of the machine is ever reached). Console redirection is process-wide, hence the tests run one at a time.
/// </summary>
internal sealed record ToolRun(int ExitCode, string Output, string Error, string Home)
{
    public static async Task<ToolRun> RunAsync(params string[] args)
    {
        var home = Directory.CreateTempSubdirectory("bt-tool-home-").FullName;
        var (stdout, stderr) = (Console.Out, Console.Error);
        var previousHome = Environment.GetEnvironmentVariable(StateDirectory.HomeVariable);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        Environment.SetEnvironmentVariable(StateDirectory.HomeVariable, home);
        try
        {
            var exitCode = await Cli.RunAsync(args);
            return new ToolRun(exitCode, output.ToString(), error.ToString(), home);
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            Environment.SetEnvironmentVariable(StateDirectory.HomeVariable, previousHome);
        }
    }

    /// <summary>Whether anything started a daemon for this run (it writes its pid and log into the state directory).</summary>
    public bool StartedADaemon => File.Exists(Path.Combine(Home, "daemon.pid")) || File.Exists(Path.Combine(Home, "daemon.log"));
}
