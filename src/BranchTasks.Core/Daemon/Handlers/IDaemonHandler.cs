namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>Answers one daemon operation (<see cref="Op"/>, a <see cref="DaemonOps"/> name).</summary>
internal interface IDaemonHandler
{
    string Op { get; }

    Task<DaemonResponse> HandleAsync(DaemonRequest envelope, IProgress<string>? progress, CancellationToken cancellationToken);
}
