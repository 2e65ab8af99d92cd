using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>How a name on the command line finds a database branch: as a database branch name first, else as a git branch name.</summary>
internal static class BranchLookup
{
    public static async Task<BranchInfo> FindExistingAsync(IBranchProvider provider, Workspace workspace, string name, CancellationToken cancellationToken) =>
        await provider.FindAsync(name, cancellationToken).ConfigureAwait(false)
        ?? await provider.FindAsync(workspace.TargetFor(name).Branch, cancellationToken).ConfigureAwait(false)
        ?? throw new BranchTasksException(ErrorCodes.BranchNotFound, $"There is no database branch '{name}' (nor one for a git branch of that name). Run `branchtasks branch list` to see the branches.");

    /// <summary>The existing branch of that name, else the target the git branch of that name maps to (which may not exist yet).</summary>
    public static async Task<BranchTarget> ResolveAsync(IBranchProvider provider, Workspace workspace, string name, CancellationToken cancellationToken)
    {
        var existing = await provider.FindAsync(name, cancellationToken).ConfigureAwait(false);
        return existing is not null
            ? existing.ToTarget()
            : workspace.TargetFor(name);
    }
}
