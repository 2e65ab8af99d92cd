namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>The branch and tunnel of the caller's git branch (`dotnet run`, AddBranchTasks(), `up`); its work tree's HEAD is watched from then on.</summary>
internal sealed class EnsureHandler(DaemonParts parts) : DaemonHandler<EnsureHandler.Request>
{
    /// <param name="Envelope">Kept whole: the HEAD watch replays it on every checkout.</param>
    public sealed record Request(WorkspaceRequest Workspace, DaemonRequest Envelope);

    private static readonly TimeSpan HookHeadStart = TimeSpan.FromSeconds(3);

    public override string Op => DaemonOps.Ensure;

    public override Request Read(DaemonRequest envelope) => new(WorkspaceRequest.Read(envelope), envelope);

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = request.Workspace.Open();
        var result = await parts.Ensure.EnsureAsync(workspace, cancellationToken, progress).ConfigureAwait(false);
        parts.Heads.Watch(workspace.Head, request.Envelope);
        return new DaemonResponse { Ok = true, Ensure = result };
    }

    /// <summary>
    /// Ensures the branch HEAD moved to. When the post-checkout hook is installed it goes first: it clones a
    /// new branch from the branch it was created from, which an ensure (cloning from the parent) must not pre-empt.
    /// </summary>
    public async Task EnsureAheadAsync(DaemonRequest envelope, CancellationToken cancellationToken)
    {
        var request = WorkspaceRequest.Read(envelope);
        var workspace = request.Open();
        if (await Hooks.GitHookInstaller.IsInstalledAsync(workspace.Head.WorkTreeRoot, cancellationToken).ConfigureAwait(false))
        {
            await Task.Delay(HookHeadStart, cancellationToken).ConfigureAwait(false);
            workspace = request.Open();
        }

        await parts.Ensure.EnsureAsync(workspace, cancellationToken).ConfigureAwait(false);
    }
}
