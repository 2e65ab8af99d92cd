using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Ensure;

/// <summary>
/// The policy around a provider's branch operations: protected branches, autoCreate, parents. Every
/// front end goes through here, so a protected branch is refused the same way everywhere.
/// </summary>
public sealed class BranchOperations
{
    private readonly IBranchProvider _provider;
    private readonly BranchTasksConfig _config;

    public BranchOperations(IBranchProvider provider, BranchTasksConfig config)
    {
        _provider = provider;
        _config = config;
    }

    /// <summary>Told before a clone starts: copying a branch can take long enough that a silent wait looks like a hang.</summary>
    public IProgress<string>? Progress { get; init; }

    private bool IsProtected(string branch) => _config.Protected.Contains(branch, StringComparer.Ordinal);

    /// <summary>Makes sure <paramref name="target"/> exists, creating it from the parent when allowed. Returns whether it was created.</summary>
    public async Task<bool> EnsureExistsAsync(BranchTarget target, CancellationToken cancellationToken)
    {
        if (await _provider.FindAsync(target.Branch, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            RefuseOtherRepository(existing);
            RefuseSilentSharing(existing, target);
            return false;
        }

        if (!_config.AutoCreate)
        {
            throw new BranchTasksException(
                ErrorCodes.BranchAutoCreateDisabled,
                $"Database branch '{target.Branch}' (for git branch '{target.GitBranch}') does not exist, and {_config.FilePath} sets \"autoCreate\": false. " +
                $"Create it with `branchtasks branch create {target.GitBranch}`, or set \"autoCreate\": true.");
        }

        try
        {
            await CreateAsync(target, from: null, copyData: null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BranchTasksException e) when (e.Code == ErrorCodes.BranchExists)
        {
            // Someone else (the post-checkout hook, `branch create`) created it meanwhile: it exists, which is all we need.
            if (await _provider.FindAsync(target.Branch, cancellationToken).ConfigureAwait(false) is null)
            {
                throw;
            }

            return false;
        }
    }

    /// <summary>
    /// Creates <paramref name="target"/> from <paramref name="from"/> (default: the configured parent's
    /// branch). The root branch (the parent itself) starts empty.
    /// </summary>
    public async Task<BranchInfo> CreateAsync(BranchTarget target, BranchTarget? from, bool? copyData, CancellationToken cancellationToken)
    {
        RefuseProtected(target.Branch, "create");
        if (await _provider.FindAsync(target.Branch, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            RefuseOtherRepository(existing);
            throw new BranchTasksException(ErrorCodes.BranchExists, $"Database branch '{target.Branch}' already exists. Use it as it is, or delete it first with `branchtasks branch delete {target.Branch}`.");
        }

        // A database name is one repository's: a second repository that chose it gets no branch beside the first's.
        foreach (var branch in await _provider.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            RefuseOtherRepository(branch);
        }

        var parent = from ?? BranchMapper.Map(_config, _config.Parent);
        if (parent.Branch == target.Branch)
        {
            return await _provider.CreateAsync(target, parent: null, copyData: false, cancellationToken).ConfigureAwait(false);
        }

        if (await _provider.FindAsync(parent.Branch, cancellationToken).ConfigureAwait(false) is null)
        {
            if (from is not null)
            {
                throw new BranchTasksException(ErrorCodes.BranchNotFound, $"Cannot create '{target.Branch}' from '{parent.Branch}': that database branch does not exist. Run `branchtasks branch list` to see the branches.");
            }

            // The configured parent is the root of the tree: it starts empty the first time anyone needs it.
            RefuseProtected(parent.Branch, "create");
            await _provider.CreateAsync(parent, parent: null, copyData: false, cancellationToken).ConfigureAwait(false);
        }

        var withData = copyData ?? _config.CopyData;
        Progress?.Report($"Creating database branch '{target.Branch}' from '{parent.Branch}' ({(withData ? "schema and data" : "schema only")})...");
        return await _provider.CreateAsync(target, parent, withData, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After `git checkout` (the post-checkout hook): creates <paramref name="target"/> from the branch checked out
    /// before (<paramref name="previous"/>, when it has a database branch), else from the configured parent. Nothing
    /// when autoCreate is off, the branch is protected or already exists (whoever's: `up` says whose). Null: nothing made.
    /// </summary>
    public async Task<BranchInfo?> CreateForCheckoutAsync(BranchTarget target, BranchTarget? previous, CancellationToken cancellationToken)
    {
        if (!_config.AutoCreate || IsProtected(target.Branch) || await _provider.FindAsync(target.Branch, cancellationToken).ConfigureAwait(false) is not null)
        {
            return null;
        }

        var from = previous is not null && previous.Branch != target.Branch && await _provider.FindAsync(previous.Branch, cancellationToken).ConfigureAwait(false) is not null
            ? previous
            : null;
        try
        {
            return await CreateAsync(target, from, copyData: null, cancellationToken).ConfigureAwait(false);
        }
        catch (BranchTasksException e) when (e.Code == ErrorCodes.BranchExists)
        {
            // The daemon's own HEAD watcher (or `up`) made it meanwhile.
            return null;
        }
    }

    /// <summary>The database branch the configured <c>parent</c> maps to: the root of the tree, created empty.</summary>
    public string RootBranch => BranchMapper.Map(_config, _config.Parent).Branch;

    /// <summary>
    /// Deletes <paramref name="target"/>. Protected branches are refused always; the branch the current git
    /// branch maps to (<paramref name="current"/>) and the root branch only without <paramref name="force"/>,
    /// because deleting either is rarely meant: the app is using the one, every other branch was cloned from the other.
    /// </summary>
    public async Task DeleteAsync(BranchTarget target, BranchTarget? current, bool force, CancellationToken cancellationToken)
    {
        RefuseProtected(target.Branch, "delete");
        if (await _provider.FindAsync(target.Branch, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            RefuseNotMine(existing, "deleted");
        }

        if (!force)
        {
            var why = target.Branch == RootBranch
                ? $"it is the root branch (the branch of \"parent\": \"{_config.Parent}\" in {_config.FilePath}), which every other branch is cloned from"
                : current is not null && target.Branch == current.Branch
                    ? $"it is the database branch of the current git branch '{current.GitBranch}'"
                    : null;
            if (why is not null)
            {
                throw new BranchTasksException(
                    ErrorCodes.BranchDeleteNeedsForce,
                    $"Database branch '{target.Branch}' was not deleted: {why}. Pass --force to delete it anyway.");
            }
        }

        await _provider.DeleteAsync(target, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Two git branches share a database branch only when a <c>map</c> rule says so. Names are built to be
    /// distinct; this catches what names alone cannot (a branch made by hand under a derived name).
    /// </summary>
    private void RefuseSilentSharing(BranchInfo existing, BranchTarget target)
    {
        if (existing.GitBranch is { } owner
            && !string.Equals(owner, target.GitBranch, StringComparison.Ordinal)
            && BranchMapper.FindRule(_config, target.GitBranch) is null
            && !string.Equals(target.GitBranch, _config.Parent, StringComparison.Ordinal))
        {
            throw new BranchTasksException(
                ErrorCodes.BranchNameCollision,
                $"Git branch '{target.GitBranch}' maps to database branch '{target.Branch}', which already belongs to git branch '{owner}'. " +
                $"BranchTasks does not let two git branches share a database branch silently: add a \"map\" entry in {_config.FilePath} " +
                $"(e.g. \"{target.GitBranch}\": \"{target.Branch}-2\"), or delete the other branch with `branchtasks branch delete {target.Branch}`.");
        }
    }

    /// <summary>
    /// Replaces <paramref name="existing"/> with a fresh clone of its parent; the provider keeps the old branch
    /// until the new copy is complete. The root branch has no parent and cannot be reset.
    /// </summary>
    /// <param name="beforeReplace">Runs once the reset is allowed and its parent found, right before the branch is replaced (the daemon closes its tunnel: connections into a database about to be dropped would only fail).</param>
    public async Task<BranchInfo> ResetAsync(BranchInfo existing, CancellationToken cancellationToken, Func<Task>? beforeReplace = null)
    {
        RefuseProtected(existing.Branch, "reset");
        RefuseNotMine(existing, "reset");
        if (existing.Parent is null)
        {
            throw new BranchTasksException(ErrorCodes.InvalidArgument, $"Database branch '{existing.Branch}' was created empty (it is the root of the tree), so there is no parent to reset it from.");
        }

        var parent = await _provider.FindAsync(existing.Parent, cancellationToken).ConfigureAwait(false)
            ?? throw new BranchTasksException(ErrorCodes.BranchNotFound, $"Cannot reset '{existing.Branch}': its parent database branch '{existing.Parent}' no longer exists. Delete it and create it again from another branch with `branchtasks branch create --from`.");
        if (beforeReplace is not null)
        {
            await beforeReplace().ConfigureAwait(false);
        }

        return await _provider.ResetAsync(existing.ToTarget(), parent.ToTarget(), _config.CopyData, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Branches <c>branch prune</c> deletes: this developer's, of this repository, whose git branch is gone
    /// (<paramref name="gitBranches"/> lists those that exist); never protected ones, the root branch or the
    /// current one, never a branch recorded before ownership was (nobody knows whose git branches it followed), and never a
    /// throw-away branch of `exec --ephemeral` (prune removes those by their run's record, once the run is gone).
    /// </summary>
    public async Task<IReadOnlyList<BranchInfo>> FindPrunableAsync(IReadOnlySet<string> gitBranches, BranchTarget current, CancellationToken cancellationToken)
    {
        var root = RootBranch;
        return [.. (await _provider.ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(b => b.Ownership == BranchOwnership.Mine
                && b.GitBranch is not null
                && !gitBranches.Contains(b.GitBranch)
                && !IsProtected(b.Branch)
                && b.Branch != root
                && b.Branch != current.Branch
                && !EphemeralNames.IsEphemeral(b.Branch))];
    }

    /// <summary>Whether a branch is listed by a plain `branch list`: this developer's in this repository, and unclaimed ones; `--all` shows the rest, marked as such.</summary>
    public static bool IsListed(BranchInfo branch, bool all) =>
        all || branch.Ownership is BranchOwnership.Mine or BranchOwnership.Unclaimed;

    private void RefuseOtherRepository(BranchInfo branch)
    {
        if (branch.Ownership == BranchOwnership.OtherRepository)
        {
            var where = branch.RepositoryLocation is null ? "" : $" (at {branch.RepositoryLocation}{(branch.Owner is null ? "" : $" on {branch.Owner}")})";
            throw new BranchTasksException(
                ErrorCodes.DatabaseOfOtherRepository,
                $"The database name \"{_config.Database}\" in {_config.FilePath} is already used by {Git.RepositoryIdentity.Describe(branch.Repository!)}{where}: " +
                $"database branch '{branch.Branch}' ({branch.Database}) is its. Two repositories never share branches: choose another \"database\" in {_config.FilePath} (e.g. \"{_config.Database}2\"). " +
                "Nothing was created or changed.");
        }
    }

    /// <summary>Whether `branch delete` and `branch reset` may act on <paramref name="branch"/>: this developer's in this repository, or unclaimed (from before ownership was recorded, named explicitly).</summary>
    private static bool MayChange(BranchInfo branch) => branch.Ownership is BranchOwnership.Mine or BranchOwnership.Unclaimed;

    private static void RefuseNotMine(BranchInfo branch, string verb)
    {
        if (MayChange(branch))
        {
            return;
        }

        var whose = branch.Ownership switch
        {
            BranchOwnership.OtherDeveloper => $"it was made by {branch.Owner}",
            BranchOwnership.OtherRepository => $"it belongs to {Git.RepositoryIdentity.Describe(branch.Repository!)}{(branch.RepositoryLocation is null ? "" : $" at {branch.RepositoryLocation}")}",
            BranchOwnership.NotMade => "BranchTasks did not create it here",
            _ => "it is not yours",
        };
        throw new BranchTasksException(
            ErrorCodes.BranchNotOwned,
            $"Database branch '{branch.Branch}' ({branch.Database}) was not {verb}: {whose}. BranchTasks only {(verb == "reset" ? "resets" : "deletes")} branches you made in this repository; `branchtasks branch list --all` shows whose each branch is.");
    }

    private void RefuseProtected(string branch, string verb)
    {
        if (IsProtected(branch))
        {
            throw new BranchTasksException(
                ErrorCodes.BranchProtected,
                $"Database branch '{branch}' is protected in {_config.FilePath}; BranchTasks never {(verb == "create" ? "creates" : verb == "reset" ? "resets" : "deletes")} it. " +
                (verb == "create" ? "Create it yourself, or remove it from \"protected\"." : "Remove it from \"protected\" if you really mean it."));
        }
    }
}
