using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>`branchtasks down`: closes the tunnels of one repository, or (with --all) every tunnel and the daemon.</summary>
internal sealed class DownHandler(DaemonParts parts, ShutdownHandler shutdown) : DaemonHandler<DownHandler.Request>
{
    public sealed record Request(string? Directory, bool All);

    public override string Op => DaemonOps.Down;

    public override Request Read(DaemonRequest envelope) => new(envelope.Directory, envelope.All);

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        if (request.All)
        {
            return await shutdown.HandleAsync(new ShutdownHandler.Request(), progress, cancellationToken).ConfigureAwait(false);
        }

        var root = Git.GitHeadReader.FindWorkTreeRoot(request.Directory ?? "")
            ?? throw new BranchTasksException(ErrorCodes.NotAGitRepository, $"{request.Directory} is not inside a git repository, so it has no tunnels. Use `branchtasks down --all` to close every tunnel.");
        var closed = await parts.Tunnels.CloseForRepositoryAsync(root).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Message = $"Closed {closed} tunnel(s) of {root}." };
    }
}
