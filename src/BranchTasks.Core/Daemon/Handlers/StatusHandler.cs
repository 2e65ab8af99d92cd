namespace BranchTasks.Core.Daemon.Handlers;

internal sealed class StatusHandler(DaemonParts parts) : DaemonHandler<StatusHandler.Request>
{
    public sealed record Request;

    public override string Op => DaemonOps.Status;

    public override Request Read(DaemonRequest envelope) => new();

    public override Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken) =>
        Task.FromResult(new DaemonResponse
        {
            Ok = true,
            Status = new DaemonStatus
            {
                ProcessId = Environment.ProcessId,
                StartedAt = parts.StartedAt,
                Version = ProductVersion.Current,
                Tunnels = parts.Tunnels.Snapshot(),
            },
        });
}
