using System.Collections.Concurrent;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// The daemon's live branch passwords, one per branch: every ensure of a branch whose tunnel is open gets the
/// same password back instead of minting a new one.
/// </summary>
public sealed class PlanetScaleLeaseRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PlanetScalePasswordLease> _leases = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _creating = new(StringComparer.Ordinal);

    public async Task<PlanetScalePasswordLease> AcquireAsync(PlanetScaleApiClient api, string branch, CancellationToken cancellationToken)
    {
        var key = $"{api.BaseUrl}|{api.Settings.Organization}|{api.Settings.Database}|{branch}";
        var gate = _creating.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_leases.TryGetValue(key, out var existing) && existing.TryAddHolder())
            {
                return existing;
            }

            var lease = await PlanetScalePasswordLease.CreateAsync(api, branch, released => _leases.TryRemove(new KeyValuePair<string, PlanetScalePasswordLease>(key, released)), cancellationToken).ConfigureAwait(false);
            _leases[key] = lease;
            return lease;
        }
        finally
        {
            gate.Release();
        }
    }

    public int Count => _leases.Count;

    public async ValueTask DisposeAsync()
    {
        foreach (var lease in _leases.Values.ToList())
        {
            // Whoever still holds it is going away with the daemon: release every hold.
            while (!lease.IsReleased)
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
