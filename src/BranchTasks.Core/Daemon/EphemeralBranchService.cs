using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Platform;
using BranchTasks.Core.Providers;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// Throw-away branches for one run (`exec --ephemeral`): cloned from a source branch under a name of their own,
/// served by a tunnel like any branch, deleted when the run ends; what a dead run left behind is removed by
/// `branch prune`. A record in the state directory names each one and its run, so only what this tool made for a
/// run is ever deleted here, and a live run's branch is never taken from under it.
/// </summary>
internal sealed class EphemeralBranchService(ProviderFactory providers, EnsureService ensure, TunnelManager tunnels, EphemeralRecords records)
{
    /// <summary>
    /// Clones <paramref name="from"/> (a database or git branch name; default: the current branch, ensured first)
    /// into a new throw-away branch owned by process <paramref name="ownerProcessId"/>, and opens its tunnel.
    /// </summary>
    public async Task<EnsureResult> CreateAsync(Workspace workspace, string? from, int ownerProcessId, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var ownerStartedAt = ProcessStartTime.Of(ownerProcessId)
            ?? throw new BranchTasksException(ErrorCodes.InvalidArgument, $"The process {ownerProcessId} that asked for a throw-away branch is not running.");
        BranchTarget source;
        EphemeralRecord record;
        await using (var provider = await providers.CreateAsync(workspace, cancellationToken, progress).ConfigureAwait(false))
        {
            var operations = new BranchOperations(provider, workspace.Config);
            source = await ResolveSourceAsync(provider, operations, workspace, from, cancellationToken).ConfigureAwait(false);
            var target = BranchMapper.ForDatabaseBranch(workspace.Config, EphemeralNames.For(source.Branch), gitBranch: null);
            record = new EphemeralRecord(target.Branch, target.Database, workspace.Config.Provider, workspace.Config.Database, workspace.Head.CommonDir,
                ownerProcessId, ownerStartedAt, DateTimeOffset.UtcNow);

            // Recorded first: a run killed while the clone runs still leaves something for `branch prune` to find.
            records.Write(record);
            try
            {
                await operations.CreateAsync(target, source, copyData: null, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                records.Delete(record);
                throw;
            }
        }

        if (!record.OwnerIsRunning)
        {
            // Killed while the clone ran: nobody would delete the branch, and a prune meanwhile may have found it not
            // made yet and dropped its record.
            await DeleteAsync(workspace, record, CancellationToken.None).ConfigureAwait(false);
            throw new BranchTasksException(ErrorCodes.InvalidArgument, $"The process {ownerProcessId} ended while its throw-away branch was being cloned; the branch was deleted again.");
        }

        try
        {
            var result = await ensure.EnsureAsync(workspace with { Target = ToTarget(record) }, cancellationToken, progress).ConfigureAwait(false);
            result.GitBranch = source.GitBranch;
            result.Created = true;
            return result;
        }
        catch
        {
            await DeleteAsync(workspace, record, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Deletes the throw-away branch <paramref name="branch"/> of this workspace; refuses any branch without a record.</summary>
    public async Task<string> DeleteAsync(Workspace workspace, string branch, CancellationToken cancellationToken)
    {
        var record = RecordsOf(workspace).FirstOrDefault(r => r.Branch == branch)
            ?? throw new BranchTasksException(
                ErrorCodes.EphemeralBranchUnknown,
                $"'{branch}' is not a throw-away branch of this repository (no record of it in {records.FolderPath}), so it was not deleted. " +
                $"Delete a branch you made yourself with `branchtasks branch delete {branch}`.");
        await DeleteAsync(workspace, record, cancellationToken).ConfigureAwait(false);
        return $"Deleted throw-away database branch '{record.Branch}' ({record.Database}).";
    }

    /// <summary>
    /// The throw-away branches of this workspace whose run has ended (the tool was killed before it could delete
    /// them), deleted when <paramref name="confirmed"/>. A live run's branch is never among them.
    /// </summary>
    public async Task<List<BranchInfo>> PruneLeftoversAsync(Workspace workspace, bool confirmed, CancellationToken cancellationToken)
    {
        var leftovers = RecordsOf(workspace).Where(r => !r.OwnerIsRunning).OrderBy(r => r.Branch, StringComparer.Ordinal).ToList();
        var listed = new List<BranchInfo>();
        foreach (var record in leftovers)
        {
            listed.Add(new BranchInfo(record.Branch, record.Database, Parent: null, GitBranch: null, record.CreatedAt, LastUsedAt: null) { Ownership = BranchOwnership.Mine });
            if (confirmed)
            {
                await DeleteAsync(workspace, record, cancellationToken).ConfigureAwait(false);
            }
        }

        return listed;
    }

    private async Task DeleteAsync(Workspace workspace, EphemeralRecord record, CancellationToken cancellationToken)
    {
        await using var provider = await providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var target = ToTarget(record);
        await tunnels.CloseAndForgetAsync(provider.GetTunnelKey(target)).ConfigureAwait(false);
        // The name is this run's own (random, recorded before the branch was made), within the provider and project
        // the record names; gone already (deleted by hand, a create that failed) is fine.
        if (await provider.FindAsync(record.Branch, cancellationToken).ConfigureAwait(false) is not null)
        {
            await new BranchOperations(provider, workspace.Config).DeleteAsync(target, workspace.Target, force: false, cancellationToken).ConfigureAwait(false);
        }

        records.Delete(record);
    }

    private static async Task<BranchTarget> ResolveSourceAsync(IBranchProvider provider, BranchOperations operations, Workspace workspace, string? from, CancellationToken cancellationToken)
    {
        if (from is null)
        {
            // The current branch may not exist yet (a fresh clone in CI): made as `up` would make it.
            await operations.EnsureExistsAsync(workspace.Target, cancellationToken).ConfigureAwait(false);
            return workspace.Target;
        }

        var existing = await provider.FindAsync(from, cancellationToken).ConfigureAwait(false);
        existing ??= await provider.FindAsync(workspace.TargetFor(from).Branch, cancellationToken).ConfigureAwait(false);
        return existing?.ToTarget()
            ?? throw new BranchTasksException(ErrorCodes.BranchNotFound, $"There is no database branch '{from}' (nor one for a git branch of that name) to clone. Run `branchtasks branch list` to see the branches.");
    }

    private IEnumerable<EphemeralRecord> RecordsOf(Workspace workspace) =>
        records.List().Where(r => r.Provider == workspace.Config.Provider
            && r.Project == workspace.Config.Database
            && string.Equals(r.Repository, workspace.Head.CommonDir, StringComparison.Ordinal));

    private static BranchTarget ToTarget(EphemeralRecord record) => new(record.Branch, record.Branch, record.Database);
}
