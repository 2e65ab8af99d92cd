using System.Text.Json;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// Remembers which local port each branch's tunnel had, so a branch keeps its port across daemon
/// restarts and tools that cached the connection string keep working.
/// </summary>
public sealed class TunnelPortStore
{
    private readonly string _path;
    private readonly string _tokensPath;
    private readonly object _gate = new();

    public TunnelPortStore(StateDirectory state)
    {
        _path = state.PathOf("tunnel-ports.json");
        _tokensPath = state.PathOf("tunnel-tokens.json");
    }

    /// <summary>
    /// The local password of a <c>"localAuth": "token"</c> tunnel, kept (mode 0600) so connection strings handed out
    /// before a daemon restart keep working.
    /// </summary>
    public string GetOrCreateToken(TunnelKey key)
    {
        lock (_gate)
        {
            var tokens = Read(_tokensPath);
            if (tokens.TryGetValue(key.ToString(), out var token) && token.Length > 0)
            {
                return token;
            }

            token = System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
            tokens[key.ToString()] = token;
            StateDirectory.WritePrivateFile(_tokensPath, JsonSerializer.Serialize(tokens, CoreJson.Plain.DictionaryStringString));
            return token;
        }
    }

    private static Dictionary<string, string> Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), CoreJson.Plain.DictionaryStringString) ?? [] : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public int? Get(TunnelKey key)
    {
        lock (_gate)
        {
            return Read().TryGetValue(key.ToString(), out var port) ? port : null;
        }
    }

    public void Set(TunnelKey key, int port)
    {
        lock (_gate)
        {
            var ports = Read();
            ports[key.ToString()] = port;
            StateDirectory.WritePrivateFile(_path, JsonSerializer.Serialize(ports, CoreJson.Plain.DictionaryStringInt32));
        }
    }

    /// <summary>Drops what is remembered for a tunnel that will never be opened again (a deleted throw-away branch's).</summary>
    public void Forget(TunnelKey key)
    {
        lock (_gate)
        {
            var ports = Read();
            if (ports.Remove(key.ToString()))
            {
                StateDirectory.WritePrivateFile(_path, JsonSerializer.Serialize(ports, CoreJson.Plain.DictionaryStringInt32));
            }

            var tokens = Read(_tokensPath);
            if (tokens.Remove(key.ToString()))
            {
                StateDirectory.WritePrivateFile(_tokensPath, JsonSerializer.Serialize(tokens, CoreJson.Plain.DictionaryStringString));
            }
        }
    }

    private Dictionary<string, int> Read()
    {
        try
        {
            return File.Exists(_path) ? JsonSerializer.Deserialize(File.ReadAllText(_path), CoreJson.Plain.DictionaryStringInt32) ?? [] : [];
        }
        catch (JsonException)
        {
            // A damaged hint file only costs new port numbers.
            return [];
        }
    }
}
