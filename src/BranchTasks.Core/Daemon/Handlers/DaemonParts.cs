using BranchTasks.Core.Ensure;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>What lives as long as the daemon and the handlers share: providers, tunnels, the ensure path, HEAD watches.</summary>
internal sealed record DaemonParts(
    ProviderFactory Providers,
    EnsureService Ensure,
    TunnelManager Tunnels,
    EphemeralBranchService Ephemeral,
    HeadWatcher Heads,
    Action RequestShutdown,
    DateTimeOffset StartedAt);
