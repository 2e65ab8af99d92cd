using System.Text.Json;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;

namespace BranchTasks.Core.Daemon.Handlers;

/// <summary>`branchtasks branch diff [NAME] [--against BRANCH]`: schema differences, read over the provider's own connections.</summary>
internal sealed class BranchDiffHandler(DaemonParts parts) : DaemonHandler<BranchDiffHandler.Request>
{
    /// <param name="Name">Null: the current git branch's database branch.</param>
    /// <param name="Against">Null: the branch's parent.</param>
    public sealed record Request(WorkspaceRequest Workspace, string? Name, string? Against);

    public override string Op => DaemonOps.BranchDiff;

    public override Request Read(DaemonRequest envelope) => new(WorkspaceRequest.Read(envelope), envelope.Name, envelope.From);

    public override async Task<DaemonResponse> HandleAsync(Request request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workspace = request.Workspace.Open();
        await using var provider = await parts.Providers.CreateAsync(workspace, cancellationToken).ConfigureAwait(false);
        var existing = await BranchLookup.FindExistingAsync(provider, workspace, request.Name ?? workspace.Target.Branch, cancellationToken).ConfigureAwait(false);
        var parentName = request.Against ?? existing.Parent
            ?? throw new BranchTasksException(ErrorCodes.InvalidArgument, $"Database branch '{existing.Branch}' was created empty (the root of the tree), so it has no parent to compare with. Pass --against <branch>.");
        var parent = await BranchLookup.FindExistingAsync(provider, workspace, parentName, cancellationToken).ConfigureAwait(false);
        await using var branchConnection = await provider.OpenConnectionAsync(existing.ToTarget(), cancellationToken).ConfigureAwait(false);
        await using var parentConnection = await provider.OpenConnectionAsync(parent.ToTarget(), cancellationToken).ConfigureAwait(false);
        var changes = await SchemaComparer.CompareAsync(branchConnection.Connection, branchConnection.Connection.Database, parentConnection.Connection, parentConnection.Connection.Database, cancellationToken).ConfigureAwait(false);
        var diff = new SchemaDiff(existing.Branch, existing.Database, parent.Branch, parent.Database, changes);
        return new DaemonResponse { Ok = true, Data = JsonSerializer.SerializeToElement(diff, DaemonJson.Info<SchemaDiff>(CoreJson.Options)) };
    }
}
