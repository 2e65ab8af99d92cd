using System.Diagnostics;

namespace BranchTasks.Testing;

/// <summary>Runs a real program (dotnet, git, mariadb) to completion with a given environment and a time limit.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        var info = CreateStartInfo(fileName, arguments, workingDirectory, environment);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time.\nstdout so far:\n{await stdout}\nstderr:\n{await stderr}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// How every test starts a real program: output redirected, and an environment cleared of the
    /// developer's branch override and of long-lived MSBuild nodes; a null value in
    /// <paramref name="environment"/> removes that variable.
    /// </summary>
    public static ProcessStartInfo CreateStartInfo(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment)
    {
        var changes = new Dictionary<string, string?>
        {
            // A test must not inherit the developer's own BranchTasks state or a branch override.
            ["BRANCHTASKS_BRANCH"] = null,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            // MSBuild node reuse would keep our task assembly loaded in long-lived nodes between tests.
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            changes[key] = value;
        }

        return new BranchTasks.Core.Platform.ProcessCommand(fileName, arguments.ToList()) { WorkingDirectory = workingDirectory, Environment = changes }.StartInfo(redirect: true);
    }
}
