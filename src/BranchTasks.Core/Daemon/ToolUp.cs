using System.Text.Json;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// The cold path of a front end that is not the tool (the configuration package; the MSBuild task can share it): no daemon
/// answered, so the tool's `up --json` starts one and ensures the branch. The daemon is the tool's child, not the
/// caller's, and is left running when the tool exits: stopping the caller (an IDE's stop button, a test run
/// killing its process tree) never takes the daemon and every tunnel with it. Compiled into the packages that use it.
/// </summary>
public static class ToolUp
{
    private const string ProgressPrefix = "branchtasks: ";

    /// <summary>Runs <c>&lt;toolCommand&gt; up --json</c> for <paramref name="request"/> and returns its answer.</summary>
    /// <param name="tool">How to run the tool (<see cref="ToolCommand"/>: its native build where it runs, else <c>dotnet exec branchtasks.dll</c>, or an installed <c>branchtasks</c>).</param>
    /// <param name="environment">Variables to set (a null value removes one) in the tool's environment.</param>
    /// <param name="progress">Shown the tool's progress lines (server start, clone, PlanetScale ready), prefix removed.</param>
    /// <exception cref="System.ComponentModel.Win32Exception">The tool could not be started.</exception>
    /// <exception cref="TimeoutException">The tool did not answer within <paramref name="timeout"/>; it was stopped (a daemon it started is not).</exception>
    public static async Task<DaemonResponse> RunAsync(
        ToolCommand tool,
        DaemonRequest request,
        IReadOnlyDictionary<string, string?> environment,
        TimeSpan timeout,
        Action<string>? progress,
        CancellationToken cancellationToken)
    {
        var environmentChanges = new Dictionary<string, string?>(environment);
        if (request.UserSecretsId is not null)
        {
            environmentChanges[Providers.CredentialEnvironment.UserSecretsIdVariable] = request.UserSecretsId;
        }

        var options = new ChildProcessOptions
        {
            Timeout = timeout,
            // Only the tool: a daemon it started goes on (and finishes the ensure for the next caller).
            KillEntireTree = false,
            StandardErrorLine = line =>
            {
                // "created database branch" is in the answer too (Created), which the caller reports itself.
                if (line.StartsWith(ProgressPrefix, StringComparison.Ordinal) && !line.StartsWith(ProgressPrefix + "created database branch", StringComparison.Ordinal))
                {
                    progress?.Invoke(line[ProgressPrefix.Length..]);
                }
            },
        };
        // The native tool first; when it cannot be started (an exec error), the managed one.
        var result = await tool.RunAsync(toolCommand => ChildProcess.RunAsync(
            new ProcessCommand(toolCommand[0], [.. toolCommand.Skip(1), .. Arguments(request)])
            {
                WorkingDirectory = request.Directory ?? Environment.CurrentDirectory,
                Environment = environmentChanges,
            },
            options,
            cancellationToken)).ConfigureAwait(false);
        if (result.TimedOut)
        {
            throw new TimeoutException($"The BranchTasks tool did not answer within {timeout.TotalSeconds:0} s.");
        }

        var output = result.StandardOutput;
        try
        {
            using var document = JsonDocument.Parse(output);
            if (document.RootElement.TryGetProperty("error", out var error))
            {
                return new DaemonResponse { Ok = false, Error = error.Deserialize(DaemonJson.Info<DaemonError>(DaemonJson.Options)) };
            }

            return new DaemonResponse { Ok = true, Ensure = document.RootElement.Deserialize(DaemonJson.Info<EnsureResult>(DaemonJson.Options)) };
        }
        catch (JsonException)
        {
            return DaemonResponse.Failure("BT0001", $"The BranchTasks tool failed (exit code {result.ExitCode}): {result.StandardError.Trim()}");
        }
    }

    private static IEnumerable<string> Arguments(DaemonRequest request)
    {
        yield return "up";
        yield return "--json";
        if (request.Directory is not null)
        {
            yield return "--project-dir";
            yield return request.Directory;
        }

        if (request.ConfigFile is not null)
        {
            yield return "--config";
            yield return request.ConfigFile;
        }

        if (request.ConnectionName is not null)
        {
            yield return "--connection-name";
            yield return request.ConnectionName;
        }
    }
}
