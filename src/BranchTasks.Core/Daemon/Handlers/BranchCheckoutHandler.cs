using BranchTasks.Core.Ensure;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>The post-checkout hook: whether and from where the new git branch's database branch is made is <see cref="BranchOperations"/>' call.</summary>
internal sealed class BranchCheckoutHandler(DaemonParts parts) : DaemonHandler<BranchCheckoutHandler.Request>
{
    /// <param name="NewBranch">The git branch checked out.</param>
    /// <param name="PreviousBranch">The git branch it was checked out from; null when HEAD was detached.</param>
    public sealed record Request(WorkspaceRequest Workspace, string NewBranch, string? PreviousBranch);

    public override string Op => DaemonOps.BranchCheckout;

    public override Request Read(DaemonRequest envelope) =>
        new(WorkspaceRequest.Read(envelope), WorkspaceRequest.RequireName(envelope), string.IsNullOrWhiteSpace(envelope.From) || envelope.From == "HEAD" ? null : envelope.From);

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = request.Workspace.Open();
        var target = workspace.TargetFor(request.NewBranch);
        var previous = request.PreviousBranch is null ? null : workspace.TargetFor(request.PreviousBranch);
        await using var provider = await parts.Providers.CreateAsync(workspace, cancellationToken, progress).ConfigureAwait(false);
        var created = await new BranchOperations(provider, workspace.Config) { Progress = progress }.CreateForCheckoutAsync(target, previous, cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, BranchInfo = created, Message = created is null ? "Nothing to create." : $"Created database branch '{created.Branch}' ({created.Database}) from '{created.Parent}'." };
    }
}
