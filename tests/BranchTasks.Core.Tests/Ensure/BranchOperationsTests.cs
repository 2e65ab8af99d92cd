using BranchTasks.Core.Configuration;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Ensure;

/// <summary>The policy layer over a real provider on the shared private server.</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class BranchOperationsTests(PrivateServerFixture fixture)
{
    private readonly string _project = PrivateServerFixture.UniqueName("ops");

    private BranchTasksConfig Config(IReadOnlyList<string>? @protected = null, bool autoCreate = true, IReadOnlyList<MapRule>? map = null) => new()
    {
        FilePath = "/repo/branchtasks.json",
        Database = _project,
        Protected = @protected ?? [],
        AutoCreate = autoCreate,
        Map = map ?? [],
    };

    [Fact]
    public async Task Ensure_creates_the_parent_root_empty_then_the_branch_from_it()
    {
        var config = Config();
        await using var provider = LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default);
        var operations = new BranchOperations(provider, config);

        Assert.True(await operations.EnsureExistsAsync(BranchMapper.Map(config, "feature/a"), CancellationToken.None));
        Assert.False(await operations.EnsureExistsAsync(BranchMapper.Map(config, "feature/a"), CancellationToken.None));

        var branches = await provider.ListAsync(CancellationToken.None);
        Assert.Equal([BranchMapper.Map(config, "feature/a").Branch, "main"], branches.Select(b => b.Branch).Order(StringComparer.Ordinal));
        Assert.Equal("main", branches.Single(b => b.GitBranch == "feature/a").Parent);
    }

    [Fact]
    public async Task Protected_and_autoCreate_false_are_refused_with_their_codes()
    {
        await using var provider = LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default);
        var guarded = Config(@protected: ["main"]);
        var error = await Assert.ThrowsAsync<BranchTasksException>(() => new BranchOperations(provider, guarded).EnsureExistsAsync(BranchMapper.Map(guarded, "main"), CancellationToken.None));
        Assert.Equal(ErrorCodes.BranchProtected, error.Code);
        Assert.Contains("/repo/branchtasks.json", error.Message);

        var manual = Config(autoCreate: false);
        error = await Assert.ThrowsAsync<BranchTasksException>(() => new BranchOperations(provider, manual).EnsureExistsAsync(BranchMapper.Map(manual, "x"), CancellationToken.None));
        Assert.Equal(ErrorCodes.BranchAutoCreateDisabled, error.Code);
        Assert.Contains("branchtasks branch create x", error.Message);
        Assert.Empty(await provider.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_reset_closes_the_branchs_connections_only_once_it_is_allowed_and_its_parent_found()
    {
        var config = Config(@protected: ["keep"]);
        await using var provider = LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default);
        var operations = new BranchOperations(provider, config);
        await operations.EnsureExistsAsync(BranchMapper.Map(config, "feature/r"), CancellationToken.None);
        // Made behind the policy's back: BranchTasks never creates a protected branch itself.
        await provider.CreateAsync(BranchMapper.Map(config, "keep"), BranchMapper.Map(config, "main"), copyData: false, CancellationToken.None);
        var calls = 0;
        Task Count()
        {
            calls++;
            return Task.CompletedTask;
        }

        var kept = (await provider.FindAsync("keep", CancellationToken.None))!;
        var error = await Assert.ThrowsAsync<BranchTasksException>(() => operations.ResetAsync(kept, CancellationToken.None, Count));
        Assert.Equal(ErrorCodes.BranchProtected, error.Code);
        var root = (await provider.FindAsync("main", CancellationToken.None))!;
        await Assert.ThrowsAsync<BranchTasksException>(() => operations.ResetAsync(root, CancellationToken.None, Count));
        var orphan = (await provider.FindAsync(BranchMapper.Map(config, "feature/r").Branch, CancellationToken.None))! with { Parent = "gone" };
        error = await Assert.ThrowsAsync<BranchTasksException>(() => operations.ResetAsync(orphan, CancellationToken.None, Count));
        Assert.Equal(ErrorCodes.BranchNotFound, error.Code);
        Assert.Equal(0, calls);

        var work = (await provider.FindAsync(BranchMapper.Map(config, "feature/r").Branch, CancellationToken.None))!;
        await operations.ResetAsync(work, CancellationToken.None, Count);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_database_branch_is_never_silently_shared_by_two_git_branches()
    {
        var config = Config();
        await using var provider = LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default);
        var operations = new BranchOperations(provider, config);
        var owner = BranchMapper.Map(config, "shared-name");
        await operations.EnsureExistsAsync(owner, CancellationToken.None);

        // Another git branch arriving at the same database branch name, with no map rule saying so.
        var intruder = owner with { GitBranch = "someone/else" };
        var error = await Assert.ThrowsAsync<BranchTasksException>(() => operations.EnsureExistsAsync(intruder, CancellationToken.None));
        Assert.Equal(ErrorCodes.BranchNameCollision, error.Code);
        Assert.Contains("shared-name", error.Message);

        // A map rule makes sharing explicit, and then it is allowed.
        var mapped = Config(map: [new MapRule("someone/*", owner.Branch)]);
        Assert.False(await new BranchOperations(provider, mapped).EnsureExistsAsync(BranchMapper.Map(mapped, "someone/else"), CancellationToken.None));
    }
}
