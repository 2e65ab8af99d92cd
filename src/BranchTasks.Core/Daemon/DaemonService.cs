using System.Collections.Frozen;
using BranchTasks.Core.Daemon.Handlers;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// Answers daemon requests: every branch and tunnel operation of every front end ends up here, and goes to the
/// one handler of its operation (<see cref="Handlers"/>).
/// </summary>
public sealed class DaemonService : IAsyncDisposable
{
    private readonly ProviderFactory _providers;
    private readonly FrozenDictionary<string, IDaemonHandler> _handlers;

    public DaemonService(StateDirectory state, Action requestShutdown, Action<string>? log = null)
    {
        _providers = new ProviderFactory(state, log);
        Tunnels = new TunnelManager(new TunnelPortStore(state), log);
        var ensure = new EnsureService(_providers, Tunnels);
        EnsureHandler? ensureHandler = null;
        Heads = new HeadWatcher((request, cancellationToken) => ensureHandler!.EnsureAheadAsync(request, cancellationToken), log ?? (_ => { }));
        var parts = new DaemonParts(_providers, ensure, Tunnels, new EphemeralBranchService(_providers, ensure, Tunnels, new EphemeralRecords(state)), Heads, requestShutdown, DateTimeOffset.UtcNow);
        ensureHandler = new EnsureHandler(parts);
        var shutdown = new ShutdownHandler(parts);
        IDaemonHandler[] handlers =
        [
            new PingHandler(),
            ensureHandler,
            new StatusHandler(parts),
            new DownHandler(parts, shutdown),
            shutdown,
            new BranchListHandler(parts),
            new BranchCreateHandler(parts),
            new BranchCheckoutHandler(parts),
            new BranchDeleteHandler(parts),
            new BranchPruneHandler(parts),
            new BranchResetHandler(parts),
            new BranchDiffHandler(parts),
            new EphemeralCreateHandler(parts),
            new EphemeralDeleteHandler(parts),
            new ServerStopHandler(parts),
        ];
        _handlers = handlers.ToFrozenDictionary(h => h.Op, StringComparer.Ordinal);
    }

    public TunnelManager Tunnels { get; }

    /// <summary>HEAD of every work tree served, so a checkout is ensured before anyone asks.</summary>
    public HeadWatcher Heads { get; }

    /// <summary>The operations this daemon answers (each one handler).</summary>
    internal IReadOnlyCollection<string> Operations => _handlers.Keys;

    public Task<DaemonResponse> HandleAsync(DaemonRequest request, CancellationToken cancellationToken) => HandleAsync(request, null, cancellationToken);

    /// <param name="progress">Where long waits report (PlanetScale branches becoming ready); streamed to the caller before the answer.</param>
    public async Task<DaemonResponse> HandleAsync(DaemonRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(request.Op, out var handler))
        {
            return DaemonResponse.Failure(ErrorCodes.InvalidArgument, $"The daemon does not know the operation '{request.Op}'. Are the tool and the daemon of the same version? Run `branchtasks down --all` and retry.");
        }

        try
        {
            return await handler.HandleAsync(request, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (BranchTasksException e)
        {
            return DaemonResponse.Failure(e.Code, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Heads.Dispose();
        await Tunnels.DisposeAsync().ConfigureAwait(false);
        await _providers.DisposeAsync().ConfigureAwait(false);
    }
}
