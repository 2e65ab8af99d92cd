using BranchTasks.Core.Ensure;
using BranchTasks.Core.Mapping;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>
/// `branchtasks branch prune [--yes]`: database branches the tool created whose git branch no longer exists (which
/// ones is <see cref="BranchOperations.FindPrunableAsync"/>' call), and throw-away branches of runs that ended.
/// Deleted only when confirmed.
/// </summary>
internal sealed class BranchPruneHandler(DaemonParts parts) : DaemonHandler<BranchPruneHandler.Request>
{
    public sealed record Request(WorkspaceRequest Workspace, bool Confirmed);

    public override string Op => DaemonOps.BranchPrune;

    public override Request Read(DaemonRequest envelope) => new(WorkspaceRequest.Read(envelope), envelope.Confirmed);

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var pruned = await PruneStaleAsync(request, cancellationToken).ConfigureAwait(false);
        var leftovers = await parts.Ephemeral.PruneLeftoversAsync(request.Workspace.Open(), request.Confirmed, cancellationToken).ConfigureAwait(false);
        if (leftovers.Count == 0)
        {
            return pruned;
        }

        var stale = pruned.Branches?.Count ?? 0;
        pruned.Branches = [.. pruned.Branches ?? [], .. leftovers];
        var about = request.Confirmed
            ? $"Deleted {leftovers.Count} throw-away branch(es) of runs that ended."
            : $"{leftovers.Count} throw-away branch(es) left by runs that ended; run `branchtasks branch prune --yes` to delete them.";
        pruned.Message = stale == 0 ? about : pruned.Message + " " + about;
        return pruned;
    }

    private async Task<DaemonResponse> PruneStaleAsync(Request request, CancellationToken cancellationToken)
    {
        var workspace = request.Workspace.Open();
        await using var provider = await parts.Providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var operations = new BranchOperations(provider, workspace.Config);
        var gitBranches = Git.GitRefReader.ListBranches(workspace.Head.CommonDir);
        var stale = await operations.FindPrunableAsync(gitBranches, workspace.Target, cancellationToken).ConfigureAwait(false);
        if (!request.Confirmed)
        {
            return new DaemonResponse { Ok = true, Branches = [.. stale], Message = stale.Count == 0 ? "Nothing to prune." : $"{stale.Count} database branch(es) whose git branch is gone; run `branchtasks branch prune --yes` to delete them." };
        }

        foreach (var branch in stale)
        {
            await parts.Tunnels.CloseTunnelAsync(provider.GetTunnelKey(branch.ToTarget())).ConfigureAwait(false);
            await operations.DeleteAsync(branch.ToTarget(), workspace.Target, force: false, cancellationToken).ConfigureAwait(false);
        }

        return new DaemonResponse { Ok = true, Branches = [.. stale], Message = $"Deleted {stale.Count} database branch(es)." };
    }
}
