using BranchTasks.Core.Ensure;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>`branchtasks branch create NAME [--from BRANCH]`.</summary>
internal sealed class BranchCreateHandler(DaemonParts parts) : DaemonHandler<BranchCreateHandler.Request>
{
    /// <param name="CopyData">Null: the configured copyData.</param>
    public sealed record Request(WorkspaceRequest Workspace, string Name, string? From, bool? CopyData);

    public override string Op => DaemonOps.BranchCreate;

    public override Request Read(DaemonRequest envelope) =>
        new(WorkspaceRequest.Read(envelope), WorkspaceRequest.RequireName(envelope), envelope.From, envelope.CopyData);

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = request.Workspace.Open();
        await using var provider = await parts.Providers.CreateAsync(workspace, cancellationToken, progress).ConfigureAwait(false);
        var from = request.From is null ? null : await BranchLookup.ResolveAsync(provider, workspace, request.From, cancellationToken).ConfigureAwait(false);
        var created = await new BranchOperations(provider, workspace.Config).CreateAsync(workspace.TargetFor(request.Name), from, request.CopyData, cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, BranchInfo = created };
    }
}
