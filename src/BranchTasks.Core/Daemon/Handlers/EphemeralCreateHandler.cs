using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>`branchtasks exec --ephemeral`: a throw-away branch owned by the run's process (see <see cref="EphemeralBranchService"/>).</summary>
internal sealed class EphemeralCreateHandler(DaemonParts parts) : DaemonHandler<EphemeralCreateHandler.Request>
{
    /// <param name="From">The branch to clone; null: the current one.</param>
    /// <param name="OwnerProcessId">The run it belongs to; once that process is gone, `branch prune` deletes the branch.</param>
    public sealed record Request(WorkspaceRequest Workspace, string? From, int OwnerProcessId);

    public override string Op => DaemonOps.EphemeralCreate;

    public override Request Read(DaemonRequest envelope) =>
        new(WorkspaceRequest.Read(envelope),
            envelope.From,
            envelope.OwnerProcessId ?? throw new BranchTasksException(ErrorCodes.InvalidArgument, "A throw-away branch needs the process id of the run it belongs to."));

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var result = await parts.Ephemeral.CreateAsync(request.Workspace.Open(), request.From, request.OwnerProcessId, progress, cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Ensure = result };
    }
}
