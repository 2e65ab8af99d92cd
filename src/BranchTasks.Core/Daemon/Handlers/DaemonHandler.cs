namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>
/// A handler with its own request type. The wire keeps one envelope (<see cref="DaemonRequest"/>, which the MSBuild
/// task and the configuration package compile in); each handler reads from it only what its operation takes,
/// checks it, and works on that typed request.
/// </summary>
internal abstract class DaemonHandler<TRequest> : IDaemonHandler
{
    public abstract string Op { get; }

    /// <summary>This operation's request out of the envelope; throws BT0001 (invalid argument) when something it needs is missing.</summary>
    public abstract TRequest Read(DaemonRequest envelope);

    public abstract Task<DaemonResponse> HandleAsync(TRequest request, IProgress<string>? progress, CancellationToken cancellationToken);

    public Task<DaemonResponse> HandleAsync(DaemonRequest envelope, IProgress<string>? progress, CancellationToken cancellationToken) =>
        HandleAsync(Read(envelope), progress, cancellationToken);
}
