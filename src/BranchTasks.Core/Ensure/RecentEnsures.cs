using System.Collections.Concurrent;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Ensure;

/// <summary>
/// Ensures answered moments ago, so the next one for the same workspace, configuration and credentials can skip
/// the provider (server checks, metadata lookups, grants) and only prove its tunnel again with a real query.
/// Anything that changes the answer changes the key; a tunnel closed or replaced since drops the entry; after
/// <see cref="FreshFor"/> the full ensure runs again (it also records when the branch was last used).
/// </summary>
internal sealed class RecentEnsures(TunnelManager tunnels)
{
    public static readonly TimeSpan FreshFor = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public static string KeyOf(Workspace workspace) => string.Join(
        '\n',
        workspace.Config.FilePath,
        workspace.Config.ContentHash,
        workspace.Head.WorkTreeRoot,
        workspace.Target.GitBranch,
        workspace.Target.Branch,
        workspace.Target.Database,
        workspace.ConnectionName,
        workspace.Credentials.Fingerprint());

    public bool TryGet(string key, out TunnelEntry tunnel, out EnsureResult result)
    {
        if (_entries.TryGetValue(key, out var entry) && DateTimeOffset.UtcNow - entry.At < FreshFor && tunnels.IsCurrent(entry.Tunnel))
        {
            (tunnel, result) = (entry.Tunnel, entry.Result);
            return true;
        }

        _entries.TryRemove(key, out _);
        (tunnel, result) = (null!, null!);
        return false;
    }

    public void Remember(string key, TunnelEntry tunnel, EnsureResult result) => _entries[key] = new Entry(tunnel, result, DateTimeOffset.UtcNow);

    public void Forget(string key) => _entries.TryRemove(key, out _);

    private sealed record Entry(TunnelEntry Tunnel, EnsureResult Result, DateTimeOffset At);
}
