using BranchTasks.Core.Ensure;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>`branchtasks branch delete NAME [--force]`; its tunnel is closed with it.</summary>
internal sealed class BranchDeleteHandler(DaemonParts parts) : DaemonHandler<BranchDeleteHandler.Request>
{
    public sealed record Request(WorkspaceRequest Workspace, string Name, bool Force);

    public override string Op => DaemonOps.BranchDelete;

    public override Request Read(DaemonRequest envelope) =>
        new(WorkspaceRequest.Read(envelope), WorkspaceRequest.RequireName(envelope), envelope.Force);

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = request.Workspace.Open();
        await using var provider = await parts.Providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var target = await BranchLookup.ResolveAsync(provider, workspace, request.Name, cancellationToken).ConfigureAwait(false);
        await new BranchOperations(provider, workspace.Config).DeleteAsync(target, workspace.Target, request.Force, cancellationToken).ConfigureAwait(false);
        await parts.Tunnels.CloseTunnelAsync(provider.GetTunnelKey(target)).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Message = $"Deleted database branch '{target.Branch}' ({target.Database})." };
    }
}
