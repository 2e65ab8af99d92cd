namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>The end of an `exec --ephemeral` run: its throw-away branch and tunnel go.</summary>
internal sealed class EphemeralDeleteHandler(DaemonParts parts) : DaemonHandler<EphemeralDeleteHandler.Request>
{
    public sealed record Request(WorkspaceRequest Workspace, string Name);

    public override string Op => DaemonOps.EphemeralDelete;

    public override Request Read(DaemonRequest envelope) => new(WorkspaceRequest.Read(envelope), WorkspaceRequest.RequireName(envelope));

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken) =>
        new() { Ok = true, Message = await parts.Ephemeral.DeleteAsync(request.Workspace.Open(), request.Name, cancellationToken).ConfigureAwait(false) };
}
