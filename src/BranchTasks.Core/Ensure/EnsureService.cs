using System.Collections.Concurrent;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel;
using MySqlConnector;

namespace BranchTasks.Core.Ensure;

/// <summary>
/// The ensure step behind `dotnet run`, `branchtasks up` and every other front end: branch exists,
/// tunnel listens, a real query passes through it. Runs inside the daemon.
/// </summary>
public sealed class EnsureService
{
    /// <summary>How long a caller waits for another ensure of the same branch before it is told why.</summary>
    private static readonly TimeSpan QuietWait = TimeSpan.FromSeconds(1);

    private readonly ProviderFactory _providers;
    private readonly TunnelManager _tunnels;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly RecentEnsures _recent;

    public EnsureService(ProviderFactory providers, TunnelManager tunnels)
    {
        _providers = providers;
        _tunnels = tunnels;
        _recent = new RecentEnsures(tunnels);
    }

    public async Task<EnsureResult> EnsureAsync(Workspace workspace, CancellationToken cancellationToken, IProgress<string>? progress = null)
    {
        var target = workspace.Target;
        // Concurrent `dotnet run`s of one branch must yield one branch and one tunnel, not races.
        var gate = _locks.GetOrAdd(workspace.Config.Provider + "/" + target.Database, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(QuietWait, cancellationToken).ConfigureAwait(false))
        {
            // Usually the daemon's own ensure after `git checkout`, cloning the new branch: say what the wait is for.
            progress?.Report($"Waiting for database branch '{target.Branch}', which the daemon is already preparing (after a git checkout it clones a new branch right away)...");
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            // The dev loop's common case: nothing changed since a moment ago. A real query through the tunnel
            // still proves the branch, the login and the tunnel before the answer; if it fails, the full ensure runs.
            var key = RecentEnsures.KeyOf(workspace);
            if (_recent.TryGet(key, out var recentTunnel, out var recent))
            {
                try
                {
                    await VerifyAsync(recent.ConnectionString, recentTunnel.Listener.Upstream, cancellationToken).ConfigureAwait(false);
                    return Answer(recent, created: false, workspace.GitBranch.Notice);
                }
                catch (BranchTasksException)
                {
                    _recent.Forget(key);
                }
            }

            await using var provider = await _providers.CreateAsync(workspace, cancellationToken, progress).ConfigureAwait(false);
            var operations = new BranchOperations(provider, workspace.Config) { Progress = progress };
            var created = await operations.EnsureExistsAsync(target, cancellationToken).ConfigureAwait(false);
            var lease = await provider.OpenUpstreamAsync(target, cancellationToken).ConfigureAwait(false);
            var localAuth = workspace.Config.LocalAuth == "token" ? LocalAuthMode.Token : LocalAuthMode.None;
            var tunnel = _tunnels.GetOrStart(provider.GetTunnelKey(target), target.Branch, lease, workspace.Head.WorkTreeRoot, localAuth);
            var upstream = tunnel.Listener.Upstream;
            var connectionString = TunnelConnectionString.Build(tunnel.Listener.Port, upstream.Database, upstream.AppUser, tunnel.Listener.Options.LocalPassword);
            await VerifyAsync(connectionString, upstream, cancellationToken).ConfigureAwait(false);
            await provider.TouchAsync(target.Branch, cancellationToken).ConfigureAwait(false);

            var result = new EnsureResult
            {
                GitBranch = target.GitBranch,
                Branch = target.Branch,
                Database = upstream.Database,
                Host = "127.0.0.1",
                Port = tunnel.Listener.Port,
                ConnectionString = connectionString,
                Provider = provider.Name,
                ConnectionName = workspace.ConnectionName,
                Notice = workspace.GitBranch.Notice,
                Created = created,
                CreatedFrom = created && operations.RootBranch != target.Branch ? workspace.Config.Parent : null,
            };
            _recent.Remember(key, tunnel, result);
            return Answer(result, created, workspace.GitBranch.Notice);
        }
        finally
        {
            gate.Release();
        }
    }

    // A copy per caller: the remembered answer is shared, and only `created` and the notice differ between calls.
    private static EnsureResult Answer(EnsureResult result, bool created, string? notice) => new()
    {
        GitBranch = result.GitBranch,
        Branch = result.Branch,
        Database = result.Database,
        Host = result.Host,
        Port = result.Port,
        ConnectionString = result.ConnectionString,
        Provider = result.Provider,
        ConnectionName = result.ConnectionName,
        Notice = notice,
        Created = created,
        CreatedFrom = created ? result.CreatedFrom : null,
    };

    /// <summary>Proves the tunnel works end to end with a real query, the way the app will use it.</summary>
    private static async Task VerifyAsync(string connectionString, UpstreamEndpoint upstream, CancellationToken cancellationToken)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            ConnectionTimeout = 10,
        };
        try
        {
            await using var connection = new MySqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e)
        {
            throw new BranchTasksException(
                ErrorCodes.TunnelFailed,
                $"The tunnel to database '{upstream.Database}' on {upstream.Host}:{upstream.Port} is up, but SELECT 1 through it failed: {e.Message}",
                e);
        }
    }
}
