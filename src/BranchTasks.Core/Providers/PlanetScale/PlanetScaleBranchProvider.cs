using System.Diagnostics;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Platform;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Providers.PlanetScale;

/// <summary>
/// Branches as PlanetScale branches of one database. A new branch gets its parent's schema (PlanetScale's
/// own branching); the tunnel logs in with a short-lived branch password over fully verified TLS.
/// Production branches are never created or deleted, and connecting to one needs "allowProduction".
/// </summary>
public sealed class PlanetScaleBranchProvider(
    PlanetScaleApiClient api,
    BranchTasksConfig config,
    PlanetScaleBranchRecords records,
    PlanetScaleLeaseRegistry leases,
    IProgress<string>? progress,
    BranchOwner owner) : IBranchProvider
{
    public const string ProviderName = "planetscale";

    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    private PlanetScaleSettings Settings => api.Settings;

    public string Name => ProviderName;

    public async Task<IReadOnlyList<BranchInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var branches = await api.ListBranchesAsync(cancellationToken).ConfigureAwait(false);
        return [.. branches.OrderBy(b => b.Name, StringComparer.Ordinal).Select(ToInfo)];
    }

    public async Task<BranchInfo?> FindAsync(string branch, CancellationToken cancellationToken)
    {
        if (!BranchNames.IsValidBranchName(branch))
        {
            // Not a name BranchTasks could have made, nor one PlanetScale accepts: nothing to ask for.
            return null;
        }

        var found = await api.GetBranchAsync(branch, cancellationToken).ConfigureAwait(false);
        return found is null ? null : ToInfo(found);
    }

    public async Task<BranchInfo> CreateAsync(BranchTarget target, BranchTarget? parent, bool copyData, CancellationToken cancellationToken)
    {
        if (parent is null)
        {
            throw new BranchTasksException(
                ErrorCodes.BranchNotFound,
                $"PlanetScale database '{Settings.Database}' has no branch '{target.Branch}' to start from, and BranchTasks does not create root branches on PlanetScale. " +
                $"Create '{target.Branch}' in PlanetScale, or point \"parent\" in {config.FilePath} at a git branch whose database branch exists (a \"map\" rule can name it).");
        }

        // Recorded before it is sent: a create whose answer is lost still leaves a branch known to be the tool's.
        records.Add(new PlanetScaleBranchRecord(Settings.Organization, Settings.Database, target.Branch, parent.Branch, target.GitBranch, DateTimeOffset.UtcNow, null)
        {
            Repository = owner.Repository.Id,
            Owner = owner.Developer,
            RepositoryLocation = owner.Repository.Location,
        });
        PlanetScaleBranch created;
        try
        {
            created = await api.CreateBranchAsync(target.Branch, parent.Branch, cancellationToken).ConfigureAwait(false);
        }
        catch (BranchTasksException e) when (PlanetScaleOutcome.IsUnknown(e))
        {
            // Never sent again blindly (a second create would be refused as taken): ask what became of it.
            created = await FindAfterLostCreateAsync(target.Branch, e).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BranchTasksException or OperationCanceledException)
        {
            records.Remove(Settings.Organization, Settings.Database, target.Branch);
            throw;
        }

        try
        {
            var ready = created.Ready ? created : await WaitUntilReadyAsync(target.Branch, cancellationToken).ConfigureAwait(false);
            return ToInfo(ready);
        }
        catch (Exception e) when (e is BranchTasksException or OperationCanceledException)
        {
            // A branch that never became ready is of no use to anyone: take it away again (all or nothing).
            await DeleteCreatedQuietlyAsync(target.Branch).ConfigureAwait(false);
            throw;
        }
    }

    public async Task DeleteAsync(BranchTarget target, CancellationToken cancellationToken)
    {
        var branch = await api.GetBranchAsync(target.Branch, cancellationToken).ConfigureAwait(false)
            ?? throw new BranchTasksException(ErrorCodes.BranchNotFound, $"PlanetScale database '{Settings.Database}' has no branch '{target.Branch}'; there is nothing to delete.");
        if (branch.Production)
        {
            throw new BranchTasksException(ErrorCodes.ProductionBranch, $"'{target.Branch}' is a production branch of PlanetScale database '{Settings.Database}'; BranchTasks never deletes production branches.");
        }

        if (records.Find(Settings.Organization, Settings.Database, target.Branch) is null)
        {
            throw new BranchTasksException(
                ErrorCodes.BranchNotOwned,
                $"PlanetScale branch '{target.Branch}' was not created by BranchTasks on this machine; it is left untouched. Delete it in PlanetScale (or with `pscale branch delete`) if you really mean to.");
        }

        await api.DeleteBranchAsync(target.Branch, cancellationToken).ConfigureAwait(false);
        records.Remove(Settings.Organization, Settings.Database, target.Branch);
    }

    public Task TouchAsync(string branch, CancellationToken cancellationToken)
    {
        records.Touch(Settings.Organization, Settings.Database, branch, owner);
        return Task.CompletedTask;
    }

    public TunnelKey GetTunnelKey(BranchTarget target) => new(ProviderName, $"{Settings.Organization}/{Settings.Database}", target.Branch);

    public async Task<UpstreamLease> OpenUpstreamAsync(BranchTarget target, CancellationToken cancellationToken)
    {
        var branch = await api.GetBranchAsync(target.Branch, cancellationToken).ConfigureAwait(false)
            ?? throw new BranchTasksException(ErrorCodes.BranchNotFound, $"PlanetScale database '{Settings.Database}' has no branch '{target.Branch}'. Create it with `branchtasks branch create {target.GitBranch}`.");
        if (branch.Production && !Settings.AllowProduction)
        {
            throw new BranchTasksException(
                ErrorCodes.ProductionBranch,
                $"Git branch '{target.GitBranch}' maps to '{target.Branch}', a production branch of PlanetScale database '{Settings.Database}'. BranchTasks does not connect dev runs to production " +
                $"unless {config.FilePath} says \"allowProduction\": true in \"planetscale\". Map the git branch to a development branch instead (\"map\": {{\"{target.GitBranch}\": \"dev\"}}).");
        }

        if (!branch.Ready)
        {
            await WaitUntilReadyAsync(target.Branch, cancellationToken).ConfigureAwait(false);
        }

        return await leases.AcquireAsync(api, target.Branch, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Polls with growing pauses until PlanetScale says the branch is ready, telling the user every few seconds.</summary>
    private async Task<PlanetScaleBranch> WaitUntilReadyAsync(string branch, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        progress?.Report($"Waiting for PlanetScale branch '{branch}' of '{Settings.Database}' to be ready...");
        var ready = await Retry.UntilAsync(
            async token =>
            {
                var current = await api.GetBranchAsync(branch, token).ConfigureAwait(false)
                    ?? throw new BranchTasksException(ErrorCodes.BranchNotFound, $"PlanetScale branch '{branch}' disappeared while BranchTasks waited for it to be ready.");
                if (!current.Ready && clock.Elapsed - lastReport >= ProgressEvery && clock.Elapsed < Settings.ReadyTimeout)
                {
                    lastReport = clock.Elapsed;
                    progress?.Report($"Still waiting for PlanetScale branch '{branch}' ({clock.Elapsed.TotalSeconds:0} s of at most {Settings.ReadyTimeout.TotalSeconds:0} s)...");
                }

                return current.Ready ? current : null;
            },
            Settings.ReadyTimeout,
            new RetryDelays(FirstPoll, LongestPoll),
            cancellationToken).ConfigureAwait(false);
        if (ready is null)
        {
            throw new BranchTasksException(
                ErrorCodes.BranchNotReady,
                $"PlanetScale branch '{branch}' of '{Settings.Database}' was not ready after {Settings.ReadyTimeout.TotalSeconds:0} s. Check its state in PlanetScale, or raise \"readyTimeout\" in \"planetscale\" in {config.FilePath}.");
        }

        progress?.Report($"PlanetScale branch '{branch}' is ready ({clock.Elapsed.TotalSeconds:0.0} s).");
        return ready;
    }

    private async Task<PlanetScaleBranch> FindAfterLostCreateAsync(string branch, BranchTasksException lost)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        PlanetScaleBranch? found;
        try
        {
            found = await api.GetBranchAsync(branch, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BranchTasksException or OperationCanceledException)
        {
            // Whether it exists is unknown: the record stays, so `branchtasks branch delete` may remove it later.
            throw lost;
        }

        if (found is null)
        {
            records.Remove(Settings.Organization, Settings.Database, branch);
            throw lost;
        }

        progress?.Report($"PlanetScale's answer to creating branch '{branch}' was lost; the branch exists, so BranchTasks goes on with it.");
        return found;
    }

    private async Task DeleteCreatedQuietlyAsync(string branch)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await api.DeleteBranchAsync(branch, timeout.Token).ConfigureAwait(false);
            records.Remove(Settings.Organization, Settings.Database, branch);
        }
        catch (Exception e) when (e is BranchTasksException or OperationCanceledException)
        {
            // The record stays, so `branchtasks branch delete` can finish the job later.
        }
    }

    private BranchInfo ToInfo(PlanetScaleBranch branch)
    {
        var record = records.Find(Settings.Organization, Settings.Database, branch.Name);
        return new BranchInfo(branch.Name, Settings.Database, branch.ParentBranch, record?.GitBranch, branch.CreatedAt, record?.LastUsedAt)
        {
            // Without a record the branch is someone else's (or PlanetScale's own, like production): listed, never touched.
            Ownership = record is null ? BranchOwnership.NotMade : owner.Classify(record.Repository, record.Owner),
            Repository = record?.Repository,
            Owner = record?.Owner,
            RepositoryLocation = record?.RepositoryLocation,
        };
    }
}
