using BranchTasks.Core.Errors;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// A PlanetScale branch password held for a tunnel: created on first use, renewed once half its lifetime has
/// passed (as pscale does), deleted when the last holder lets go. When PlanetScale will not renew it, a fresh
/// password serves new connections while the old one stays until its last connection closes or it expires:
/// deleting a password disconnects every client using it. Shared through <see cref="PlanetScaleLeaseRegistry"/>,
/// hence the reference count.
/// </summary>
public sealed class PlanetScalePasswordLease : UpstreamLease
{
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(10);

    private readonly PlanetScaleApiClient _api;
    private readonly string _branch;
    private readonly Action<PlanetScalePasswordLease> _onReleased;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<Task> _retiring = [];
    private Current _current;
    private int _holders = 1;
    private Task _renewals = Task.CompletedTask;

    private PlanetScalePasswordLease(PlanetScaleApiClient api, string branch, PlanetScalePassword password, Action<PlanetScalePasswordLease> onReleased)
    {
        _api = api;
        _branch = branch;
        _onReleased = onReleased;
        _current = new Current(password, ToEndpoint(password));
    }

    public override UpstreamEndpoint Endpoint => Volatile.Read(ref _current).Endpoint;

    internal bool IsReleased { get; private set; }

    internal static async Task<PlanetScalePasswordLease> CreateAsync(PlanetScaleApiClient api, string branch, Action<PlanetScalePasswordLease> onReleased, CancellationToken cancellationToken)
    {
        var password = await api.CreatePasswordAsync(branch, PlanetScalePasswordNames.New(), cancellationToken).ConfigureAwait(false);
        var lease = new PlanetScalePasswordLease(api, branch, password, onReleased);
        lease._renewals = lease.RenewLoopAsync();
        return lease;
    }

    /// <summary>Adds a holder; false when the lease is already being released (the caller makes a new one).</summary>
    internal bool TryAddHolder()
    {
        lock (_gate)
        {
            if (IsReleased)
            {
                return false;
            }

            _holders++;
            return true;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (IsReleased || --_holders > 0)
            {
                return;
            }

            IsReleased = true;
        }

        _onReleased(this);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _renewals.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Task[] retiring;
        lock (_gate)
        {
            retiring = [.. _retiring];
        }

        await Task.WhenAll(retiring).ConfigureAwait(false);
        await DeleteQuietlyAsync(Volatile.Read(ref _current).Password).ConfigureAwait(false);
        _stop.Dispose();
    }

    private UpstreamEndpoint ToEndpoint(PlanetScalePassword password)
    {
        var (host, port) = PlanetScaleHost.Parse(password.AccessHostUrl);
        // PlanetScale always speaks TLS with a publicly trusted certificate: verify it fully, never fall back.
        return new UpstreamEndpoint(host, port, password.Username, password.PlainText, _api.Settings.Database)
        {
            Tls = new UpstreamTlsPolicy(true, UpstreamCertificateCheck.Full, _api.Settings.CaCertificateFile),
            AppUser = "branchtasks",
            Usage = new UpstreamUsage(),
        };
    }

    private async Task RenewLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            var current = Volatile.Read(ref _current);
            var password = current.Password;
            if (password.ExpiresAt is not { } expiresAt)
            {
                return;
            }

            await Task.Delay(Max(RenewalTime(expiresAt) - DateTimeOffset.UtcNow, TimeSpan.Zero), token).ConfigureAwait(false);
            try
            {
                var renewed = password.Renewable ? await _api.RenewPasswordAsync(_branch, password.Id, token).ConfigureAwait(false) : null;
                if (renewed?.ExpiresAt is { } newExpiry && newExpiry > DateTimeOffset.UtcNow)
                {
                    password.ExpiresAt = newExpiry;
                    continue;
                }

                // PlanetScale no longer knows it (404) or it cannot be renewed: its connections are gone or go with it.
                await ReplaceQuietlyAsync(current, token).ConfigureAwait(false);
            }
            catch (BranchTasksException e) when (e.Code == ErrorCodes.ProviderRejected)
            {
                // PlanetScale refuses to renew this one: a fresh password serves new connections, the old one its own.
                await ReplaceQuietlyAsync(current, token).ConfigureAwait(false);
            }
            catch (BranchTasksException)
            {
                // The API is unreachable right now; try again soon, well before the password runs out.
                await Task.Delay(Max((expiresAt - DateTimeOffset.UtcNow) / 4, TimeSpan.FromMilliseconds(500)), token).ConfigureAwait(false);
                if (DateTimeOffset.UtcNow >= expiresAt)
                {
                    await ReplaceQuietlyAsync(current, token).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Renew once half the lifetime has passed, as pscale does (at least two seconds before expiry).</summary>
    private DateTimeOffset RenewalTime(DateTimeOffset expiresAt)
    {
        var lead = Max(_api.Settings.PasswordTtl / 2, TimeSpan.FromSeconds(2));
        return expiresAt - lead;
    }

    private async Task ReplaceQuietlyAsync(Current old, CancellationToken cancellationToken)
    {
        try
        {
            await ReplaceAsync(old, cancellationToken).ConfigureAwait(false);
        }
        catch (BranchTasksException)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReplaceAsync(Current old, CancellationToken cancellationToken)
    {
        var fresh = await _api.CreatePasswordAsync(_branch, PlanetScalePasswordNames.New(), cancellationToken).ConfigureAwait(false);
        var next = new Current(fresh, ToEndpoint(fresh));

        // New connections take the new password first; only then may the old one's last connection end its life.
        Volatile.Write(ref _current, next);
        OnEndpointChanged(next.Endpoint);
        old.Endpoint.Usage!.Retire();
        lock (_gate)
        {
            _retiring.RemoveAll(t => t.IsCompleted);
            _retiring.Add(RetireAsync(old));
        }
    }

    /// <summary>Deletes a replaced password once no connection uses it, or when it expires, or when the lease goes.</summary>
    private async Task RetireAsync(Current old)
    {
        var lifetime = old.Password.ExpiresAt is { } expiresAt ? Max(expiresAt - DateTimeOffset.UtcNow, TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
        try
        {
            await old.Endpoint.Usage!.Drained.WaitAsync(lifetime, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Expired, or the lease is being released: either way it has no more use.
        }

        await DeleteQuietlyAsync(old.Password).ConfigureAwait(false);
    }

    private async Task DeleteQuietlyAsync(PlanetScalePassword password)
    {
        using var timeout = new CancellationTokenSource(ReleaseTimeout);
        try
        {
            await _api.DeletePasswordAsync(_branch, password.Id, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BranchTasksException or OperationCanceledException)
        {
            // It expires on its own (that is what the TTL is for).
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>A password and the endpoint (with its connection count) built from it.</summary>
    private sealed record Current(PlanetScalePassword Password, UpstreamEndpoint Endpoint);
}
