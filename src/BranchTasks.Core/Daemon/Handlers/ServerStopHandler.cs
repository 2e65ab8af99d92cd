namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>`branchtasks server stop`: stops the private server of the local provider.</summary>
internal sealed class ServerStopHandler(DaemonParts parts) : DaemonHandler<ServerStopHandler.Request>
{
    public sealed record Request;

    public override string Op => DaemonOps.ServerStop;

    public override Request Read(DaemonRequest envelope) => new();

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        // Tunnels to a stopped server would only hand out errors.
        var closed = await parts.Tunnels.CloseForRepositoryAsync(null).ConfigureAwait(false);
        var stopped = await parts.Providers.StopLocalServerAsync(cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Message = stopped ? $"Stopped the private server (and closed {closed} tunnel(s))." : "The private server was not running." };
    }
}
