using BranchTasks.Core.Ensure;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>`branchtasks branch list`: this developer's branches of the repository (with --all, every branch the tool made).</summary>
internal sealed class BranchListHandler(DaemonParts parts) : DaemonHandler<BranchListHandler.Request>
{
    public sealed record Request(WorkspaceRequest Workspace, bool All);

    public override string Op => DaemonOps.BranchList;

    public override Request Read(DaemonRequest envelope) => new(WorkspaceRequest.Read(envelope), envelope.All);

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = request.Workspace.Open();
        await using var provider = await parts.Providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var branches = await provider.ListAsync(cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Branches = [.. branches.Where(b => BranchOperations.IsListed(b, request.All))] };
    }
}
