using BranchTasks.Core.Ensure;
using BranchTasks.Core.Mapping;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>`branchtasks branch reset [NAME]`: a fresh copy of its parent; whether it may is <see cref="BranchOperations"/>' call.</summary>
internal sealed class BranchResetHandler(DaemonParts parts) : DaemonHandler<BranchResetHandler.Request>
{
    public sealed record Request(WorkspaceRequest Workspace, string Name);

    public override string Op => DaemonOps.BranchReset;

    public override Request Read(DaemonRequest envelope) => new(WorkspaceRequest.Read(envelope), WorkspaceRequest.RequireName(envelope));

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = request.Workspace.Open();
        await using var provider = await parts.Providers.CreateAsync(workspace, cancellationToken, progress).ConfigureAwait(false);
        var existing = await BranchLookup.FindExistingAsync(provider, workspace, request.Name, cancellationToken).ConfigureAwait(false);
        // Connections into a database about to be dropped would only fail; the next `up` opens a fresh tunnel.
        var reset = await new BranchOperations(provider, workspace.Config)
            .ResetAsync(existing, cancellationToken, () => parts.Tunnels.CloseTunnelAsync(provider.GetTunnelKey(existing.ToTarget())))
            .ConfigureAwait(false);
        return new DaemonResponse { Ok = true, BranchInfo = reset, Message = $"Reset database branch '{reset.Branch}' ({reset.Database}) from '{reset.Parent}'." };
    }
}
