using BranchTasks.Core.Daemon;
using BranchTasks.Core.Errors;
using BranchTasks.Tool.Platform;

namespace BranchTasks.Tool.Commands;

/// <summary>
/// `exec --ephemeral`: a throw-away clone of the branch for one command, deleted afterwards whatever happens to the
/// command. The daemon records the branch under our process id first, so if we are killed outright `branch prune`
/// finds what we left.
/// </summary>
internal static class EphemeralRun
{
    public static async Task<int> RunAsync(CommandContext context, string? from, string? connectionName, string[] arguments)
    {
        if (arguments.Length == 0)
        {
            throw new BranchTasksException(ErrorCodes.InvalidArgument, "No command to run. Usage: branchtasks exec --ephemeral [--branch NAME] -- <command> [args]");
        }

        // From here on an interrupt ends the command, not us: the branch must go whatever happens.
        using var signals = new SignalForwarder();
        var request = context.WorkspaceRequest(DaemonOps.EphemeralCreate);
        request.ConnectionName = connectionName;
        request.From = from;
        request.OwnerProcessId = Environment.ProcessId;
        // Not cancelled by an interrupt: a clone abandoned halfway would be prune's to find; finished, it is deleted below.
        var response = await context.SendCheckedAsync(request, CancellationToken.None).ConfigureAwait(false);
        var result = response.Ensure ?? throw new BranchTasksException(ErrorCodes.Unexpected, "The daemon answered without a connection.");
        Console.Error.WriteLine($"branchtasks: throw-away database branch '{result.Branch}' ({result.Database}), a copy of git branch '{result.GitBranch}'; deleted when the command ends.");

        var exitCode = 1;
        try
        {
            exitCode = signals.InterruptExitCode ?? await ExecCommand.RunAsync(arguments, result, signals).ConfigureAwait(false);
        }
        finally
        {
            exitCode = await DeleteAsync(context, result.Branch, exitCode).ConfigureAwait(false);
        }

        return exitCode;
    }

    /// <summary>Deletes the branch; a failure is reported (BT0606) and never hides the command's own failure.</summary>
    private static async Task<int> DeleteAsync(CommandContext context, string branch, int exitCode)
    {
        var request = context.Request(DaemonOps.EphemeralDelete);
        request.Name = branch;
        var response = await context.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        if (response.Ok)
        {
            return exitCode;
        }

        context.Fail(new DaemonError
        {
            Code = ErrorCodes.EphemeralCleanupFailed,
            Message = $"The throw-away database branch '{branch}' could not be deleted after the run ({response.Error?.Code}: {response.Error?.Message}). " +
                "Run `branchtasks branch prune --yes` in this repository to delete it.",
        }, json: false);
        return exitCode == 0 ? 1 : exitCode;
    }
}
