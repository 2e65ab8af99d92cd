namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>Closes every tunnel and stops the daemon; the caller still gets this answer.</summary>
internal sealed class ShutdownHandler(DaemonParts parts) : DaemonHandler<ShutdownHandler.Request>
{
    public sealed record Request;

    public override string Op => DaemonOps.Shutdown;

    public override Request Read(DaemonRequest envelope) => new();

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var closed = await parts.Tunnels.CloseForRepositoryAsync(null).ConfigureAwait(false);
        parts.RequestShutdown();
        return new DaemonResponse { Ok = true, Message = $"Closed {closed} tunnel(s); the daemon is stopping." };
    }
}
