namespace BranchTasks.Core.Daemon.Handlers;

internal sealed class PingHandler : DaemonHandler<PingHandler.Request>
{
    public sealed record Request;

    public override string Op => DaemonOps.Ping;

    public override Request Read(DaemonRequest envelope) => new();

    public override Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken) =>
        Task.FromResult(new DaemonResponse { Ok = true, Message = "pong" });
}
