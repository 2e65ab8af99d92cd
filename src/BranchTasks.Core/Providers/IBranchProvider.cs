using BranchTasks.Core.Mapping;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Providers;

/// <summary>
/// Where database branches live. Policy (protected branches, autoCreate) is not a provider's business:
/// <see cref="Ensure.BranchOperations"/> applies it before calling here.
/// </summary>
public interface IBranchProvider : IAsyncDisposable
{
    /// <summary>The provider's name as written in branchtasks.json.</summary>
    string Name { get; }

    /// <summary>Branches of this project (the configured <c>database</c>) that the tool created.</summary>
    Task<IReadOnlyList<BranchInfo>> ListAsync(CancellationToken cancellationToken);

    Task<BranchInfo?> FindAsync(string branch, CancellationToken cancellationToken);

    /// <summary>
    /// Creates <paramref name="target"/> as a copy of <paramref name="parent"/> (schema, and rows when
    /// <paramref name="copyData"/>), or empty when <paramref name="parent"/> is null. All or nothing:
    /// a failure leaves no half-created branch behind.
    /// </summary>
    Task<BranchInfo> CreateAsync(BranchTarget target, BranchTarget? parent, bool copyData, CancellationToken cancellationToken);

    /// <summary>Deletes a branch the tool created; refuses (BT0304) a database without its metadata record.</summary>
    Task DeleteAsync(BranchTarget target, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces <paramref name="target"/> with a fresh copy of <paramref name="parent"/>. The default drops it
    /// first and then clones, so a failed clone leaves it gone (the PlanetScale provider, whose branches cannot
    /// be swapped); the server providers stage the copy first and leave the branch as it was when that fails.
    /// </summary>
    async Task<BranchInfo> ResetAsync(BranchTarget target, BranchTarget parent, bool copyData, CancellationToken cancellationToken)
    {
        await DeleteAsync(target, cancellationToken).ConfigureAwait(false);
        return await CreateAsync(target, parent, copyData, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records that the branch was just used.</summary>
    Task TouchAsync(string branch, CancellationToken cancellationToken);

    /// <summary>Which tunnel serves <paramref name="target"/>; no network call.</summary>
    TunnelKey GetTunnelKey(BranchTarget target);

    /// <summary>
    /// Where and with which credentials to connect to <paramref name="target"/>, held until the lease is
    /// disposed (a tunnel holds it for its life; PlanetScale deletes the branch password on release).
    /// </summary>
    Task<UpstreamLease> OpenUpstreamAsync(BranchTarget target, CancellationToken cancellationToken);

    /// <summary>
    /// A connection of the daemon's own straight to <paramref name="target"/> (branch diff reads both schemas), with
    /// the credentials and TLS policy the tunnel would use; a provider with another way in overrides it.
    /// </summary>
    Task<UpstreamConnection> OpenConnectionAsync(BranchTarget target, CancellationToken cancellationToken) =>
        UpstreamConnection.OpenAsync(this, target, cancellationToken);
}
