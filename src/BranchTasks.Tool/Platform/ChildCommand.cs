using System.Runtime.InteropServices;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;

namespace BranchTasks.Tool.Platform;

/// <summary>
/// Runs a user's command as a child on our stdio (<see cref="ChildProcess.StartAttached"/>) with an environment of
/// our choosing, and returns its exit code: what `exec`, `shell` and `launch` share. Ctrl+C reaches the child through
/// the terminal (the console on Windows), so we only wait for it to decide; a SIGTERM sent to us ends the child's whole tree.
/// </summary>
internal static class ChildCommand
{
    /// <param name="environment">Fills in the variables to set; a null value unsets one.</param>
    /// <param name="signals">When given, it handles our signals (passing them to the child) instead of the default above.</param>
    public static async Task<int> RunAsync(string[] commandLine, Action<IDictionary<string, string?>> environment, string usage, SignalForwarder? signals = null)
    {
        if (commandLine.Length == 0)
        {
            throw new BranchTasksException(ErrorCodes.InvalidArgument, "No command to run. Usage: " + usage);
        }

        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        environment(changes);
        System.Diagnostics.Process process;
        try
        {
            process = ChildProcess.StartAttached(new ProcessCommand(commandLine[0], commandLine[1..]) { Environment = changes });
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BranchTasksException(ErrorCodes.InvalidArgument, $"Could not start '{commandLine[0]}': {e.Message}. Check the command name and that it is on PATH.", e);
        }

        using (process)
        {
            if (signals is not null)
            {
                signals.Attach(process);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                return process.ExitCode;
            }

            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
            using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => c.Cancel = true);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true;
                ChildProcess.Kill(process);
            });
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return process.ExitCode;
        }
    }
}
