using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;
using BranchTasks.Core.State;

namespace BranchTasks.Configuration;

/// <summary>
/// No daemon answered on first load (after a reboot, after its idle exit, in an IDE or a test run that never ran
/// `dotnet run`): runs the tool's `up --json` (<see cref="ToolUp"/>, the same cold path as `dotnet run`), which
/// starts the daemon and ensures the branch, within RequestTimeout, showing its progress and a line every 10 s.
/// </summary>
internal sealed class ColdStart(BranchTasksConfigurationOptions options, string stateRoot, Assembly? appAssembly)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    public async Task<DaemonResponse> RunAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        var command = ToolLocator.Find(options.ToolPath, appAssembly, out var tried);
        if (command is null)
        {
            return DaemonResponse.Failure(
                ErrorCodes.AppToolNotFound,
                $"No BranchTasks daemon is running for {stateRoot}, and no BranchTasks tool was found to start one (looked at: {tried}). "
                + "Reference the BranchTasks package in the app's project and build it again (its tool is bundled), or install the tool "
                + "(dotnet tool install -g BranchTasks.Tool --prerelease), or set AddBranchTasks(o => o.ToolPath = \".../branchtasks.dll\"), or start the daemon first with `branchtasks up`.");
        }

        Log($"no daemon is running; starting it ({command} up), waiting up to {options.RequestTimeout.TotalSeconds:0} s...");
        var watch = Stopwatch.StartNew();
        using var stopHeartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = ShowHeartbeatAsync(watch, stopHeartbeat.Token);
        try
        {
            var environment = new Dictionary<string, string?> { [StateDirectory.HomeVariable] = stateRoot };
            return await ToolUp.RunAsync(command, request, environment, options.RequestTimeout, Log, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return DaemonResponse.Failure(ErrorCodes.AppEnsureTimeout, BranchTasksConfigurationProvider.TimeoutMessage(options.RequestTimeout));
        }
        catch (Win32Exception e)
        {
            return DaemonResponse.Failure(
                ErrorCodes.AppToolNotFound,
                $"The BranchTasks tool could not be started ({command}): {e.Message}. Set AddBranchTasks(o => o.ToolPath = ...) to a branchtasks.dll, or install the tool.");
        }
        finally
        {
            await stopHeartbeat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
    }

    private async Task ShowHeartbeatAsync(Stopwatch watch, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Heartbeat, cancellationToken).ConfigureAwait(false);
                Log($"still waiting for the database branch ({watch.Elapsed.TotalSeconds:0} s of {options.RequestTimeout.TotalSeconds:0} s)...");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Log(string line) => options.Log?.Invoke("BranchTasks: " + line);
}
