using BranchTasks.Core.Errors;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// A PlanetScale branch password held for a tunnel: created on first use, renewed well before it expires
/// (replaced by a fresh one when PlanetScale will not renew it, so apps never notice), deleted when the
/// last holder lets go. Shared through <see cref="PlanetScaleLeaseRegistry"/>, hence the reference count.
/// </summary>
public sealed class PlanetScalePasswordLease : UpstreamLease
{
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(10);

    private readonly PlanetScaleApiClient _api;
    private readonly string _branch;
    private readonly Action<PlanetScalePasswordLease> _onReleased;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private PlanetScalePassword _password;
    private UpstreamEndpoint _endpoint;
    private int _holders = 1;
    private Task _renewals = Task.CompletedTask;

    private PlanetScalePasswordLease(PlanetScaleApiClient api, string branch, PlanetScalePassword password, Action<PlanetScalePasswordLease> onReleased)
    {
        _api = api;
        _branch = branch;
        _onReleased = onReleased;
        _password = password;
        _endpoint = ToEndpoint(password);
    }

    public override UpstreamEndpoint Endpoint => Volatile.Read(ref _endpoint);

    internal bool IsReleased { get; private set; }

    internal static async Task<PlanetScalePasswordLease> CreateAsync(PlanetScaleApiClient api, string branch, Action<PlanetScalePasswordLease> onReleased, CancellationToken cancellationToken)
    {
        var password = await api.CreatePasswordAsync(branch, PasswordName(), cancellationToken).ConfigureAwait(false);
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

        await DeleteQuietlyAsync(Volatile.Read(ref _password)).ConfigureAwait(false);
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
        };
    }

    private async Task RenewLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            var password = Volatile.Read(ref _password);
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

                await ReplaceAsync(password, token).ConfigureAwait(false);
            }
            catch (BranchTasksException e) when (e.Code == ErrorCodes.ProviderRejected)
            {
                // PlanetScale will not renew this one (expired, or not renewable): a fresh password serves new connections.
                await ReplaceQuietlyAsync(password, token).ConfigureAwait(false);
            }
            catch (BranchTasksException)
            {
                // The API is unreachable right now; try again soon, well before the password runs out.
                await Task.Delay(Max((expiresAt - DateTimeOffset.UtcNow) / 4, TimeSpan.FromMilliseconds(500)), token).ConfigureAwait(false);
                if (DateTimeOffset.UtcNow >= expiresAt)
                {
                    await ReplaceQuietlyAsync(password, token).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Renew once two thirds of the lifetime have passed (at least two seconds before expiry).</summary>
    private DateTimeOffset RenewalTime(DateTimeOffset expiresAt)
    {
        var lead = Max(_api.Settings.PasswordTtl / 3, TimeSpan.FromSeconds(2));
        return expiresAt - lead;
    }

    private async Task ReplaceQuietlyAsync(PlanetScalePassword old, CancellationToken cancellationToken)
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

    private async Task ReplaceAsync(PlanetScalePassword old, CancellationToken cancellationToken)
    {
        var fresh = await _api.CreatePasswordAsync(_branch, PasswordName(), cancellationToken).ConfigureAwait(false);
        var endpoint = ToEndpoint(fresh);
        Volatile.Write(ref _password, fresh);
        Volatile.Write(ref _endpoint, endpoint);
        OnEndpointChanged(endpoint);
        await DeleteQuietlyAsync(old).ConfigureAwait(false);
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

    private static string PasswordName() =>
        $"branchtasks-{Sanitize(Environment.MachineName)}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    private static string Sanitize(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var result = new string(chars).Trim('-');
        return result.Length == 0 ? "host" : result.Length > 24 ? result[..24] : result;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
