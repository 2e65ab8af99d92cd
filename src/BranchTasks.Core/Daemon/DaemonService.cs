using BranchTasks.Core.Ensure;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Daemon;

/// <summary>Answers daemon requests. Every branch and tunnel operation of every front end ends up here.</summary>
public sealed class DaemonService : IAsyncDisposable
{
    private readonly ProviderFactory _providers;
    private readonly EnsureService _ensure;
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly Action _requestShutdown;
    private readonly EphemeralBranchService _ephemeral;

    public DaemonService(StateDirectory state, Action requestShutdown, Action<string>? log = null)
    {
        _providers = new ProviderFactory(state, log);
        Tunnels = new TunnelManager(new TunnelPortStore(state), log);
        _ensure = new EnsureService(_providers, Tunnels);
        _requestShutdown = requestShutdown;
        _ephemeral = new EphemeralBranchService(_providers, _ensure, Tunnels, new EphemeralRecords(state));
        Heads = new HeadWatcher(EnsureAheadAsync, log ?? (_ => { }));
    }

    public TunnelManager Tunnels { get; }

    /// <summary>HEAD of every work tree served, so a checkout is ensured before anyone asks.</summary>
    public HeadWatcher Heads { get; }

    public Task<DaemonResponse> HandleAsync(DaemonRequest request, CancellationToken cancellationToken) => HandleAsync(request, null, cancellationToken);

    /// <param name="progress">Where long waits report (PlanetScale branches becoming ready); streamed to the caller before the answer.</param>
    public async Task<DaemonResponse> HandleAsync(DaemonRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        try
        {
            return request.Op switch
            {
                DaemonOps.Ping => new DaemonResponse { Ok = true, Message = "pong" },
                DaemonOps.Ensure => await EnsureAsync(request, progress, cancellationToken).ConfigureAwait(false),
                DaemonOps.Status => new DaemonResponse { Ok = true, Status = Status() },
                DaemonOps.Down => await DownAsync(request).ConfigureAwait(false),
                DaemonOps.Shutdown => await ShutdownAsync().ConfigureAwait(false),
                DaemonOps.BranchList => await BranchListAsync(request, cancellationToken).ConfigureAwait(false),
                DaemonOps.BranchCreate => await BranchCreateAsync(request, progress, cancellationToken).ConfigureAwait(false),
                DaemonOps.BranchCheckout => await BranchCheckoutAsync(request, progress, cancellationToken).ConfigureAwait(false),
                DaemonOps.BranchDelete => await BranchDeleteAsync(request, cancellationToken).ConfigureAwait(false),
                DaemonOps.BranchPrune => await WithEphemeralLeftoversAsync(request, await BranchPruneAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false),
                DaemonOps.EphemeralCreate => await EphemeralCreateAsync(request, progress, cancellationToken).ConfigureAwait(false),
                DaemonOps.EphemeralDelete => new DaemonResponse { Ok = true, Message = await _ephemeral.DeleteAsync(OpenWorkspace(request), RequireName(request), cancellationToken).ConfigureAwait(false) },
                DaemonOps.BranchReset => await BranchResetAsync(request, cancellationToken).ConfigureAwait(false),
                DaemonOps.BranchDiff => await BranchDiffAsync(request, cancellationToken).ConfigureAwait(false),
                DaemonOps.ServerStop => await ServerStopAsync(cancellationToken).ConfigureAwait(false),
                _ => DaemonResponse.Failure(ErrorCodes.InvalidArgument, $"The daemon does not know the operation '{request.Op}'. Are the tool and the daemon of the same version? Run `branchtasks down --all` and retry."),
            };
        }
        catch (BranchTasksException e)
        {
            return DaemonResponse.Failure(e.Code, e.Message);
        }
    }

    private async Task<DaemonResponse> EnsureAsync(DaemonRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = OpenWorkspace(request);
        var result = await _ensure.EnsureAsync(workspace, cancellationToken, progress).ConfigureAwait(false);
        Heads.Watch(workspace.Head.GitDir, request);
        return new DaemonResponse { Ok = true, Ensure = result };
    }

    /// <summary>
    /// Ensures the branch HEAD moved to. When the post-checkout hook is installed it goes first: it clones a
    /// new branch from the branch it was created from, which an ensure (cloning from the parent) must not pre-empt.
    /// </summary>
    private async Task EnsureAheadAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        var workspace = OpenWorkspace(request);
        if (await Hooks.GitHookInstaller.IsInstalledAsync(workspace.Head.WorkTreeRoot, cancellationToken).ConfigureAwait(false))
        {
            await Task.Delay(HookHeadStart, cancellationToken).ConfigureAwait(false);
            workspace = OpenWorkspace(request);
        }

        await _ensure.EnsureAsync(workspace, cancellationToken).ConfigureAwait(false);
    }

    private static readonly TimeSpan HookHeadStart = TimeSpan.FromSeconds(3);

    private static Workspace OpenWorkspace(DaemonRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Directory))
        {
            throw new BranchTasksException(ErrorCodes.InvalidArgument, "The request names no directory.");
        }

        var workspace = Workspace.Open(request.Directory, request.ConfigFile, request.BranchOverride, request.ConnectionName);
        return workspace.WithCredentials(new ProviderCredentials(request.Credentials, Workspace.UserSecretsIdFor(workspace.Config, request.UserSecretsId)));
    }

    private DaemonStatus Status() => new()
    {
        ProcessId = Environment.ProcessId,
        StartedAt = _startedAt,
        Version = ProductVersion.Current,
        Tunnels = Tunnels.Snapshot(),
    };

    private async Task<DaemonResponse> DownAsync(DaemonRequest request)
    {
        if (request.All)
        {
            return await ShutdownAsync().ConfigureAwait(false);
        }

        var root = Git.GitHeadReader.FindWorkTreeRoot(request.Directory ?? "")
            ?? throw new BranchTasksException(ErrorCodes.NotAGitRepository, $"{request.Directory} is not inside a git repository, so it has no tunnels. Use `branchtasks down --all` to close every tunnel.");
        var closed = await Tunnels.CloseForRepositoryAsync(root).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Message = $"Closed {closed} tunnel(s) of {root}." };
    }

    private async Task<DaemonResponse> ShutdownAsync()
    {
        var closed = await Tunnels.CloseForRepositoryAsync(null).ConfigureAwait(false);
        _requestShutdown();
        return new DaemonResponse { Ok = true, Message = $"Closed {closed} tunnel(s); the daemon is stopping." };
    }

    private async Task<DaemonResponse> BranchListAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        var workspace = OpenWorkspace(request);
        await using var provider = await _providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var branches = await provider.ListAsync(cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Branches = [.. branches.Where(b => BranchOperations.IsListed(b, request.All))] };
    }

    private async Task<DaemonResponse> BranchCreateAsync(DaemonRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = OpenWorkspace(request);
        var name = RequireName(request);
        await using var provider = await _providers.CreateAsync(workspace, cancellationToken, progress).ConfigureAwait(false);
        var from = request.From is null ? null : await ResolveExistingAsync(provider, workspace, request.From, cancellationToken).ConfigureAwait(false);
        var created = await new BranchOperations(provider, workspace.Config).CreateAsync(workspace.TargetFor(name), from, request.CopyData, cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, BranchInfo = created };
    }

    /// <summary>The post-checkout hook: <see cref="DaemonRequest.Name"/> is the new git branch, <see cref="DaemonRequest.From"/> the previous one ("HEAD" when detached).</summary>
    private async Task<DaemonResponse> BranchCheckoutAsync(DaemonRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = OpenWorkspace(request);
        var target = workspace.TargetFor(RequireName(request));
        var previous = string.IsNullOrWhiteSpace(request.From) || request.From == "HEAD" ? null : workspace.TargetFor(request.From);
        await using var provider = await _providers.CreateAsync(workspace, cancellationToken, progress).ConfigureAwait(false);
        var created = await new BranchOperations(provider, workspace.Config) { Progress = progress }.CreateForCheckoutAsync(target, previous, cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, BranchInfo = created, Message = created is null ? "Nothing to create." : $"Created database branch '{created.Branch}' ({created.Database}) from '{created.Parent}'." };
    }

    private async Task<DaemonResponse> BranchDeleteAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        var workspace = OpenWorkspace(request);
        var name = RequireName(request);
        await using var provider = await _providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var target = await ResolveExistingAsync(provider, workspace, name, cancellationToken).ConfigureAwait(false);
        await new BranchOperations(provider, workspace.Config).DeleteAsync(target, workspace.Target, request.Force, cancellationToken).ConfigureAwait(false);
        await Tunnels.CloseTunnelAsync(provider.GetTunnelKey(target)).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Message = $"Deleted database branch '{target.Branch}' ({target.Database})." };
    }

    /// <summary>
    /// Database branches the tool created whose git branch no longer exists: never protected ones, never
    /// the parent's, never a database without a metadata record (those are not listed at all). Deleted when confirmed.
    /// </summary>
    private async Task<DaemonResponse> BranchPruneAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        var workspace = OpenWorkspace(request);
        await using var provider = await _providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var operations = new BranchOperations(provider, workspace.Config);
        var gitBranches = Git.GitRefReader.ListBranches(workspace.Head.CommonDir);
        var stale = await operations.FindPrunableAsync(gitBranches, workspace.Target, cancellationToken).ConfigureAwait(false);
        if (!request.Confirmed)
        {
            return new DaemonResponse { Ok = true, Branches = [.. stale], Message = stale.Count == 0 ? "Nothing to prune." : $"{stale.Count} database branch(es) whose git branch is gone; run `branchtasks branch prune --yes` to delete them." };
        }

        foreach (var branch in stale)
        {
            await Tunnels.CloseTunnelAsync(provider.GetTunnelKey(branch.ToTarget())).ConfigureAwait(false);
            await operations.DeleteAsync(branch.ToTarget(), workspace.Target, force: false, cancellationToken).ConfigureAwait(false);
        }

        return new DaemonResponse { Ok = true, Branches = [.. stale], Message = $"Deleted {stale.Count} database branch(es)." };
    }

    /// <summary>Adds to a prune the throw-away branches of runs that ended without deleting them (see <see cref="EphemeralBranchService"/>).</summary>
    private async Task<DaemonResponse> WithEphemeralLeftoversAsync(DaemonRequest request, DaemonResponse pruned, CancellationToken cancellationToken)
    {
        var leftovers = await _ephemeral.PruneLeftoversAsync(OpenWorkspace(request), request.Confirmed, cancellationToken).ConfigureAwait(false);
        if (leftovers.Count == 0)
        {
            return pruned;
        }

        var stale = pruned.Branches?.Count ?? 0;
        pruned.Branches = [.. pruned.Branches ?? [], .. leftovers];
        var about = request.Confirmed
            ? $"Deleted {leftovers.Count} throw-away branch(es) of runs that ended."
            : $"{leftovers.Count} throw-away branch(es) left by runs that ended; run `branchtasks branch prune --yes` to delete them.";
        pruned.Message = stale == 0 ? about : pruned.Message + " " + about;
        return pruned;
    }

    private async Task<DaemonResponse> EphemeralCreateAsync(DaemonRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var owner = request.OwnerProcessId ?? throw new BranchTasksException(ErrorCodes.InvalidArgument, "A throw-away branch needs the process id of the run it belongs to.");
        var result = await _ephemeral.CreateAsync(OpenWorkspace(request), request.From, owner, progress, cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Ensure = result };
    }

    private async Task<DaemonResponse> BranchResetAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        var workspace = OpenWorkspace(request);
        await using var provider = await _providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var existing = await FindExistingAsync(provider, workspace, RequireName(request), cancellationToken).ConfigureAwait(false);
        // Connections into a database about to be dropped would only fail; the next `up` opens a fresh tunnel.
        if (!new BranchOperations(provider, workspace.Config).IsProtected(existing.Branch) && BranchOperations.MayChange(existing))
        {
            await Tunnels.CloseTunnelAsync(provider.GetTunnelKey(existing.ToTarget())).ConfigureAwait(false);
        }

        var reset = await new BranchOperations(provider, workspace.Config).ResetAsync(existing, cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, BranchInfo = reset, Message = $"Reset database branch '{reset.Branch}' ({reset.Database}) from '{reset.Parent}'." };
    }

    private async Task<DaemonResponse> BranchDiffAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        var workspace = OpenWorkspace(request);
        await using var provider = await _providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var existing = await FindExistingAsync(provider, workspace, request.Name ?? workspace.Target.Branch, cancellationToken).ConfigureAwait(false);
        var parentName = request.From ?? existing.Parent
            ?? throw new BranchTasksException(ErrorCodes.InvalidArgument, $"Database branch '{existing.Branch}' was created empty (the root of the tree), so it has no parent to compare with. Pass --against <branch>.");
        var parent = await FindExistingAsync(provider, workspace, parentName, cancellationToken).ConfigureAwait(false);
        await using var branchConnection = await OpenDirectAsync(provider, existing, cancellationToken).ConfigureAwait(false);
        await using var parentConnection = await OpenDirectAsync(provider, parent, cancellationToken).ConfigureAwait(false);
        var changes = await SchemaComparer.CompareAsync(branchConnection.Connection, branchConnection.Connection.Database, parentConnection.Connection, parentConnection.Connection.Database, cancellationToken).ConfigureAwait(false);
        var diff = new SchemaDiff(existing.Branch, existing.Database, parent.Branch, parent.Database, changes);
        return new DaemonResponse { Ok = true, Data = System.Text.Json.JsonSerializer.SerializeToElement(diff, CoreJson.Protocol.SchemaDiff) };
    }

    private static async Task<BranchInfo> FindExistingAsync(IBranchProvider provider, Workspace workspace, string name, CancellationToken cancellationToken) =>
        await provider.FindAsync(name, cancellationToken).ConfigureAwait(false)
        ?? await provider.FindAsync(workspace.TargetFor(name).Branch, cancellationToken).ConfigureAwait(false)
        ?? throw new BranchTasksException(ErrorCodes.BranchNotFound, $"There is no database branch '{name}' (nor one for a git branch of that name). Run `branchtasks branch list` to see the branches.");

    /// <summary>A connection straight to the branch's upstream, with the credentials only the daemon holds (released with the connection).</summary>
    private static async Task<DirectConnection> OpenDirectAsync(IBranchProvider provider, BranchInfo branch, CancellationToken cancellationToken)
    {
        var lease = await provider.OpenUpstreamAsync(branch.ToTarget(), cancellationToken).ConfigureAwait(false);
        try
        {
            var upstream = lease.Endpoint;
            var builder = new MySqlConnector.MySqlConnectionStringBuilder
            {
                Server = upstream.Host,
                Port = (uint)upstream.Port,
                UserID = upstream.User,
                Password = upstream.Password ?? "",
                Database = upstream.Database,
                Pooling = false,
                ConnectionTimeout = 10,
            };
            Providers.Server.BranchServer.ApplyTls(builder, upstream.Tls);
            var connection = new MySqlConnector.MySqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return new DirectConnection(connection, lease);
        }
        catch
        {
            await lease.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed record DirectConnection(MySqlConnector.MySqlConnection Connection, UpstreamLease Lease) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
            await Lease.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A name on the command line is a database branch name when one exists by that name, else a git branch name.</summary>
    private static async Task<Mapping.BranchTarget> ResolveExistingAsync(IBranchProvider provider, Workspace workspace, string name, CancellationToken cancellationToken)
    {
        var existing = await provider.FindAsync(name, cancellationToken).ConfigureAwait(false);
        return existing is not null
            ? existing.ToTarget()
            : workspace.TargetFor(name);
    }

    private async Task<DaemonResponse> ServerStopAsync(CancellationToken cancellationToken)
    {
        // Tunnels to a stopped server would only hand out errors.
        var closed = await Tunnels.CloseForRepositoryAsync(null).ConfigureAwait(false);
        var stopped = await _providers.StopLocalServerAsync(cancellationToken).ConfigureAwait(false);
        return new DaemonResponse { Ok = true, Message = stopped ? $"Stopped the private server (and closed {closed} tunnel(s))." : "The private server was not running." };
    }

    private static string RequireName(DaemonRequest request) =>
        string.IsNullOrWhiteSpace(request.Name) ? throw new BranchTasksException(ErrorCodes.InvalidArgument, "A branch name is required.") : request.Name;

    public async ValueTask DisposeAsync()
    {
        Heads.Dispose();
        await Tunnels.DisposeAsync().ConfigureAwait(false);
        await _providers.DisposeAsync().ConfigureAwait(false);
    }
}
