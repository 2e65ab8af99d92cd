using BranchTasks.Core.Daemon;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Tunnel;

/// <summary>The daemon's tunnels: at most one per <see cref="TunnelKey"/>, shared by every caller.</summary>
public sealed class TunnelManager : IAsyncDisposable
{
    private readonly Dictionary<TunnelKey, TunnelEntry> _tunnels = [];
    private readonly TunnelPortStore _ports;
    private readonly object _gate = new();
    private readonly Action<string>? _log;
    private readonly int _maxConnections;

    /// <summary>Overrides <see cref="TunnelOptions.DefaultMaxConnections"/>: how many connections one tunnel holds at once.</summary>
    public const string MaxConnectionsVariable = "BRANCHTASKS_TUNNEL_MAX_CONNECTIONS";

    public TunnelManager(TunnelPortStore ports, Action<string>? log = null)
    {
        _ports = ports;
        _log = log;
        _maxConnections = int.TryParse(Environment.GetEnvironmentVariable(MaxConnectionsVariable), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var max) && max > 0
            ? max
            : TunnelOptions.DefaultMaxConnections;
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

    /// <summary>
    /// Returns the tunnel for <paramref name="key"/>, starting it if needed, and records who uses it. Takes
    /// ownership of <paramref name="lease"/>: a new tunnel keeps it for its life, an existing one adopts its
    /// credentials when only they changed, and a lease nobody needs is released.
    /// </summary>
    public TunnelEntry GetOrStart(TunnelKey key, string branch, UpstreamLease lease, string repositoryRoot, LocalAuthMode localAuth = LocalAuthMode.None)
    {
        TunnelEntry? replaced = null;
        UpstreamLease? unused = null;
        TunnelEntry result;
        var upstream = lease.Endpoint;
        if (localAuth == LocalAuthMode.None && !Platform.TcpPeerIdentity.CanIdentifyPeers)
        {
            // Where the platform cannot tell who connects (macOS TCP), the tunnel's own token stands in for the OS
            // user: it reaches the app through the 0600 file and launcher of token mode, and nobody else has it.
            localAuth = LocalAuthMode.Token;
        }

        lock (_gate)
        {
            if (_tunnels.TryGetValue(key, out var existing))
            {
                if (existing.Listener.Options.LocalAuth != localAuth || !existing.Listener.Upstream.IsSamePlace(upstream))
                {
                    // Another local login mode or another server: a fresh listener on the same port.
                    _tunnels.Remove(key);
                    replaced = existing;
                }
                else if (ReferenceEquals(existing.Lease, lease) || existing.Listener.Upstream == upstream)
                {
                    // Releasing a shared lease only drops the caller's hold; the tunnel keeps its own.
                    unused = lease;
                }
                else
                {
                    // Only the credentials changed: new connections use the new ones, open connections carry on.
                    unused = existing.Lease;
                    existing.Adopt(lease);
                }
            }

            if (!_tunnels.TryGetValue(key, out var entry))
            {
                var options = new TunnelOptions
                {
                    LocalAuth = localAuth,
                    LocalPassword = localAuth == LocalAuthMode.Token ? _ports.GetOrCreateToken(key) : null,
                    MaxConnections = _maxConnections,
                    Log = _log,
                };
                if (replaced is not null)
                {
                    // Free the port first so the branch keeps it.
                    replaced.Listener.StopListening();
                }

                var listener = TunnelListener.Start(upstream, _ports.Get(key), options);
                _ports.Set(key, listener.Port);
                entry = new TunnelEntry(key, branch, listener, DateTimeOffset.UtcNow);
                entry.Adopt(lease);
                _tunnels.Add(key, entry);
            }

            entry.Repositories.Add(repositoryRoot);
            entry.Listener.Touch();
            result = entry;
        }

        if (replaced is not null)
        {
            _ = replaced.CloseAsync().AsTask();
        }

        if (unused is not null)
        {
            _ = unused.DisposeAsync().AsTask();
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

    /// <summary>Whether <paramref name="entry"/> is still the open tunnel of its key (not closed, replaced or discarded).</summary>
    public bool IsCurrent(TunnelEntry entry)
    {
        lock (_gate)
        {
            return _tunnels.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry);
        }
    }

    /// <summary>Closes the tunnel of <paramref name="key"/> and forgets its port and token: its branch is gone for good.</summary>
    public async Task<int> CloseAndForgetAsync(TunnelKey key)
    {
        var closed = await CloseTunnelAsync(key).ConfigureAwait(false);
        _ports.Forget(key);
        return closed;
    }

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
            await entry.CloseAsync().ConfigureAwait(false);
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

        await entry.CloseAsync().ConfigureAwait(false);
    }

    public List<TunnelStatus> Snapshot()
    {
        lock (_gate)
        {
            return [.. _tunnels.Values.OrderBy(t => t.Key.ToString(), StringComparer.Ordinal).Select(t => new TunnelStatus
            {
                Provider = t.Key.Provider,
                Branch = t.Branch,
                Database = t.Listener.Upstream.Database,
                Host = "127.0.0.1",
                Port = t.Listener.Port,
                UpstreamHost = t.Listener.Upstream.Host,
                UpstreamPort = t.Listener.Upstream.Port,
                UpstreamTls = t.Listener.UpstreamTls,
                UpstreamSocket = t.Listener.Upstream.UnixSocket,
                UpstreamTransport = t.Listener.UpstreamTransport,
                UpstreamError = t.Listener.LastLoginError,
                LocalAuth = t.Listener.Options.LocalAuth == LocalAuthMode.Token ? "token" : "none",
                OpenConnections = t.Listener.OpenConnections,
                TotalConnections = t.Listener.TotalConnections,
                RefusedConnections = t.Listener.RefusedConnections,
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
    private UpstreamLease? _lease;

    public TunnelKey Key { get; } = key;
    public string Branch { get; } = branch;
    public TunnelListener Listener { get; } = listener;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public HashSet<string> Repositories { get; } = new(StringComparer.Ordinal);

    /// <summary>The credentials this tunnel holds; released when it closes.</summary>
    public UpstreamLease? Lease => _lease;

    internal void Adopt(UpstreamLease lease)
    {
        if (_lease is not null)
        {
            _lease.EndpointChanged -= Listener.UpdateUpstream;
        }

        _lease = lease;
        Listener.UpdateUpstream(lease.Endpoint);
        lease.EndpointChanged += Listener.UpdateUpstream;
    }

    /// <summary>Stops the listener and its connections, then releases the credentials they used.</summary>
    internal async ValueTask CloseAsync()
    {
        await Listener.DisposeAsync().ConfigureAwait(false);
        if (_lease is { } lease)
        {
            lease.EndpointChanged -= Listener.UpdateUpstream;
            await lease.DisposeAsync().ConfigureAwait(false);
        }
    }
}
