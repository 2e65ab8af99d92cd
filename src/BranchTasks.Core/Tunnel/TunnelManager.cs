using BranchTasks.Core.Daemon;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Tunnel;

/// <summary>The daemon's tunnels: at most one per <see cref="TunnelKey"/>, shared by every caller.</summary>
public sealed class TunnelManager : IAsyncDisposable
{
    private readonly Dictionary<TunnelKey, TunnelEntry> _tunnels = [];
    private readonly TunnelPortStore _ports;
    private readonly object _gate = new();

    public TunnelManager(TunnelPortStore ports)
    {
        _ports = ports;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _tunnels.Count;
            }
        }
    }

    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _tunnels.Values.Sum(t => t.Listener.OpenConnections);
            }
        }
    }

    /// <summary>Returns the tunnel for <paramref name="key"/>, starting it if needed, and records who uses it.</summary>
    public TunnelEntry GetOrStart(TunnelKey key, string branch, UpstreamEndpoint upstream, string repositoryRoot, LocalAuthMode localAuth = LocalAuthMode.None)
    {
        TunnelEntry? replaced = null;
        TunnelEntry result;
        lock (_gate)
        {
            // A tunnel with another local login mode, or whose upstream credentials changed, is replaced.
            if (_tunnels.TryGetValue(key, out var existing) && (existing.Listener.Options.LocalAuth != localAuth || existing.Listener.Upstream != upstream))
            {
                _tunnels.Remove(key);
                replaced = existing;
            }

            if (!_tunnels.TryGetValue(key, out var entry))
            {
                var options = new TunnelOptions
                {
                    LocalAuth = localAuth,
                    LocalPassword = localAuth == LocalAuthMode.Token ? _ports.GetOrCreateToken(key) : null,
                };
                if (replaced is not null)
                {
                    // Free the port first so the branch keeps it.
                    replaced.Listener.StopListening();
                }

                var listener = TunnelListener.Start(upstream, _ports.Get(key), options);
                _ports.Set(key, listener.Port);
                entry = new TunnelEntry(key, branch, listener, DateTimeOffset.UtcNow);
                _tunnels.Add(key, entry);
            }

            entry.Repositories.Add(repositoryRoot);
            entry.Listener.Touch();
            result = entry;
        }

        if (replaced is not null)
        {
            _ = replaced.Listener.DisposeAsync().AsTask();
        }

        return result;
    }

    /// <summary>Closes the tunnels used by <paramref name="repositoryRoot"/>, or all of them when null.</summary>
    public Task<int> CloseForRepositoryAsync(string? repositoryRoot) =>
        CloseWhereAsync(t => repositoryRoot is null || t.Repositories.Contains(repositoryRoot));

    /// <summary>
    /// Closes tunnels nobody has used for <paramref name="idleFor"/> and that hold no connection: after a
    /// `git checkout` the old branch's tunnel goes once its app is gone. A later ensure reopens a closed
    /// tunnel on the same port.
    /// </summary>
    public Task<int> CloseIdleAsync(TimeSpan idleFor)
    {
        var cutoff = DateTimeOffset.UtcNow - idleFor;
        return CloseWhereAsync(t => t.Listener.OpenConnections == 0 && t.Listener.LastActivity <= cutoff);
    }

    /// <summary>Closes the tunnel of <paramref name="key"/>, if there is one.</summary>
    public Task<int> CloseTunnelAsync(TunnelKey key) => CloseWhereAsync(t => t.Key == key);

    private async Task<int> CloseWhereAsync(Func<TunnelEntry, bool> predicate)
    {
        List<TunnelEntry> closing;
        lock (_gate)
        {
            closing = [.. _tunnels.Values.Where(predicate)];
            foreach (var entry in closing)
            {
                _tunnels.Remove(entry.Key);
            }
        }

        foreach (var entry in closing)
        {
            await entry.Listener.DisposeAsync().ConfigureAwait(false);
        }

        return closing.Count;
    }

    /// <summary>Closes a tunnel whose listener no longer works, so the next ensure starts a fresh one.</summary>
    public async Task DiscardAsync(TunnelEntry entry)
    {
        lock (_gate)
        {
            if (_tunnels.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry))
            {
                _tunnels.Remove(entry.Key);
            }
        }

        await entry.Listener.DisposeAsync().ConfigureAwait(false);
    }

    public List<TunnelStatus> Snapshot()
    {
        lock (_gate)
        {
            return [.. _tunnels.Values.OrderBy(t => t.Key.ToString(), StringComparer.Ordinal).Select(t => new TunnelStatus
            {
                Provider = t.Key.Provider,
                Branch = t.Branch,
                Database = t.Key.Database,
                Host = "127.0.0.1",
                Port = t.Listener.Port,
                UpstreamHost = t.Key.UpstreamHost,
                UpstreamPort = t.Key.UpstreamPort,
                UpstreamTls = t.Listener.UpstreamTls,
                UpstreamError = t.Listener.LastLoginError,
                LocalAuth = t.Listener.Options.LocalAuth == LocalAuthMode.Token ? "token" : "none",
                OpenConnections = t.Listener.OpenConnections,
                TotalConnections = t.Listener.TotalConnections,
                BytesToServer = t.Listener.BytesToServer,
                BytesToClient = t.Listener.BytesToClient,
                CreatedAt = t.CreatedAt,
                LastUsedAt = t.Listener.LastActivity,
                Repositories = [.. t.Repositories.Order(StringComparer.Ordinal)],
            })];
        }
    }

    public async ValueTask DisposeAsync() => await CloseForRepositoryAsync(null).ConfigureAwait(false);
}

public sealed class TunnelEntry(TunnelKey key, string branch, TunnelListener listener, DateTimeOffset createdAt)
{
    public TunnelKey Key { get; } = key;
    public string Branch { get; } = branch;
    public TunnelListener Listener { get; } = listener;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public HashSet<string> Repositories { get; } = new(StringComparer.Ordinal);
}
