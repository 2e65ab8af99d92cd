using BranchTasks.Core.Configuration;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Ensure;

/// <summary>`branch delete` policy: the current git branch's database branch and the root branch need --force; protected ones are never deleted.</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class BranchDeletePolicyTests(PrivateServerFixture fixture)
{
    private readonly string _project = PrivateServerFixture.UniqueName("del");

    private BranchTasksConfig Config(IReadOnlyList<string>? @protected = null) => new()
    {
        FilePath = "/repo/branchtasks.json",
        Database = _project,
        Protected = @protected ?? [],
    };

    [Fact]
    public async Task The_current_and_the_root_branch_are_refused_without_force_and_deleted_with_it()
    {
        var config = Config();
        await using var provider = LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default);
        var operations = new BranchOperations(provider, config);
        var current = BranchMapper.Map(config, "feature/current");
        var other = BranchMapper.Map(config, "feature/other");
        var root = BranchMapper.Map(config, "main");
        await operations.EnsureExistsAsync(current, CancellationToken.None);
        await operations.EnsureExistsAsync(other, CancellationToken.None);
        Assert.Equal(root.Branch, operations.RootBranch);

        var rootError = await Assert.ThrowsAsync<BranchTasksException>(() => operations.DeleteAsync(root, current, force: false, CancellationToken.None));
        var currentError = await Assert.ThrowsAsync<BranchTasksException>(() => operations.DeleteAsync(current, current, force: false, CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchDeleteNeedsForce, rootError.Code);
        Assert.Contains("root branch", rootError.Message);
        Assert.Contains("\"parent\": \"main\"", rootError.Message);
        Assert.Contains("--force", rootError.Message);
        Assert.Equal(ErrorCodes.BranchDeleteNeedsForce, currentError.Code);
        Assert.Contains("current git branch 'feature/current'", currentError.Message);
        Assert.Contains("--force", currentError.Message);
        Assert.Equal(3, (await provider.ListAsync(CancellationToken.None)).Count);

        // Any other branch goes without --force (the confirmation is the CLI's); the guarded ones go with it.
        await operations.DeleteAsync(other, current, force: false, CancellationToken.None);
        await operations.DeleteAsync(current, current, force: true, CancellationToken.None);
        await operations.DeleteAsync(root, current, force: true, CancellationToken.None);
        Assert.Empty(await provider.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_protected_branch_is_refused_even_with_force()
    {
        var keep = BranchMapper.Map(Config(), "feature/keep");
        var config = Config(@protected: [keep.Branch]);
        await using var provider = LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default);

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => new BranchOperations(provider, config).DeleteAsync(keep, current: null, force: true, CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchProtected, error.Code);
    }
}
