using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BranchTasks.Core.Ensure;

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
    /// <param name="toolCommand">How to run the tool: <c>dotnet exec branchtasks.dll</c>, or an installed <c>branchtasks</c>.</param>
    /// <param name="environment">Variables to set (a null value removes one) in the tool's environment.</param>
    /// <param name="progress">Shown the tool's progress lines (server start, clone, PlanetScale ready), prefix removed.</param>
    /// <param name="fallbackCommand">Started instead when <paramref name="toolCommand"/> cannot be (the managed tool behind a native one).</param>
    /// <exception cref="System.ComponentModel.Win32Exception">The tool could not be started.</exception>
    /// <exception cref="TimeoutException">The tool did not answer within <paramref name="timeout"/>; it was stopped (a daemon it started is not).</exception>
    public static async Task<DaemonResponse> RunAsync(
        IReadOnlyList<string> toolCommand,
        DaemonRequest request,
        IReadOnlyDictionary<string, string?> environment,
        TimeSpan timeout,
        Action<string>? progress,
        CancellationToken cancellationToken,
        IReadOnlyList<string>? fallbackCommand = null)
    {
        Process? started;
        try
        {
            started = Process.Start(StartInfo(toolCommand, request, environment));
        }
        catch (System.ComponentModel.Win32Exception) when (fallbackCommand is not null)
        {
            started = Process.Start(StartInfo(fallbackCommand, request, environment));
        }

        using var process = started ?? throw new System.ComponentModel.Win32Exception($"{toolCommand[0]} could not be started.");
        return await ReadAnswerAsync(process, timeout, progress, cancellationToken).ConfigureAwait(false);
    }

    private static ProcessStartInfo StartInfo(IReadOnlyList<string> toolCommand, DaemonRequest request, IReadOnlyDictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo(toolCommand[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
            WorkingDirectory = request.Directory ?? Environment.CurrentDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in toolCommand.Skip(1).Concat(Arguments(request)))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        if (request.UserSecretsId is not null)
        {
            info.Environment[Providers.CredentialEnvironment.UserSecretsIdVariable] = request.UserSecretsId;
        }

        return info;
    }

    private static async Task<DaemonResponse> ReadAnswerAsync(Process process, TimeSpan timeout, Action<string>? progress, CancellationToken cancellationToken)
    {
        process.StandardInput.Close();
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            lock (stderr)
            {
                stderr.AppendLine(line);
            }

            // "created database branch" is in the answer too (Created), which the caller reports itself.
            if (line.StartsWith(ProgressPrefix, StringComparison.Ordinal) && !line.StartsWith(ProgressPrefix + "created database branch", StringComparison.Ordinal))
            {
                progress?.Invoke(line[ProgressPrefix.Length..]);
            }
        };
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Only the tool: a daemon it started goes on (and finishes the ensure for the next caller).
            process.Kill(entireProcessTree: false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"The BranchTasks tool did not answer within {timeout.TotalSeconds:0} s.");
        }

        var output = await stdout.ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(output);
            if (document.RootElement.TryGetProperty("error", out var error))
            {
                return new DaemonResponse { Ok = false, Error = error.Deserialize(DaemonJson.Context.DaemonError) };
            }

            return new DaemonResponse { Ok = true, Ensure = document.RootElement.Deserialize(DaemonJson.Context.EnsureResult) };
        }
        catch (JsonException)
        {
            string text;
            lock (stderr)
            {
                text = stderr.ToString().Trim();
            }

            return DaemonResponse.Failure("BT0001", $"The BranchTasks tool failed (exit code {process.ExitCode}): {text}");
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
