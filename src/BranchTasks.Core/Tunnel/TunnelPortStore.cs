using BranchTasks.Core.Platform;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// Remembers which local port each branch's tunnel had, so a branch keeps its port across daemon
/// restarts and tools that cached the connection string keep working.
/// </summary>
public sealed class TunnelPortStore
{
    // A lost or damaged file only costs new port numbers, or new tokens that the next ensure hands out.
    private readonly PrivateJsonFile<Dictionary<string, int>> _ports;
    private readonly PrivateJsonFile<Dictionary<string, string>> _tokens;
    private readonly object _gate = new();

    public TunnelPortStore(StateDirectory state)
    {
        _ports = new(state.PathOf("tunnel-ports.json"));
        _tokens = new(state.PathOf("tunnel-tokens.json"));
    }

    /// <summary>
    /// The local password of a <c>"localAuth": "token"</c> tunnel, kept (mode 0600) so connection strings handed out
    /// before a daemon restart keep working.
    /// </summary>
    public string GetOrCreateToken(TunnelKey key)
    {
        lock (_gate)
        {
            var tokens = _tokens.Read() ?? [];
            if (tokens.TryGetValue(key.ToString(), out var token) && token.Length > 0)
            {
                return token;
            }

            token = System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
            tokens[key.ToString()] = token;
            _tokens.Write(tokens);
            return token;
        }
    }

    public int? Get(TunnelKey key)
    {
        lock (_gate)
        {
            return (_ports.Read() ?? []).TryGetValue(key.ToString(), out var port) ? port : null;
        }
    }

    public void Set(TunnelKey key, int port)
    {
        lock (_gate)
        {
            var ports = _ports.Read() ?? [];
            ports[key.ToString()] = port;
            _ports.Write(ports);
        }
    }

    /// <summary>Drops what is remembered for a tunnel that will never be opened again (a deleted throw-away branch's).</summary>
    public void Forget(TunnelKey key)
    {
        lock (_gate)
        {
            var ports = _ports.Read() ?? [];
            if (ports.Remove(key.ToString()))
            {
                _ports.Write(ports);
            }

            var tokens = _tokens.Read() ?? [];
            if (tokens.Remove(key.ToString()))
            {
                _tokens.Write(tokens);
            }
        }
    }
}
