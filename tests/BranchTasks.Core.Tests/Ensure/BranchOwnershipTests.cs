using BranchTasks.Core.Configuration;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Ensure;

/// <summary>
/// Branches belong to a repository and a developer: two repositories that chose the same <c>database</c> never
/// share or delete each other's branches, and records from before ownership are claimed by use, never dropped.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class BranchOwnershipTests(PrivateServerFixture fixture)
{
    private static readonly BranchOwner First = TestOwners.For("1111111111111111111111111111111111111111", "tester");
    private static readonly BranchOwner Second = TestOwners.For("2222222222222222222222222222222222222222", "tester");

    private readonly string _project = PrivateServerFixture.UniqueName("shop");

    private BranchTasksConfig Config => new() { FilePath = "/repo/branchtasks.json", Database = _project };

    [Fact]
    public async Task A_second_repository_with_the_same_database_name_gets_a_clear_error_and_can_touch_nothing_of_the_first()
    {
        var config = Config;
        await using var first = LocalBranchProvider.Create(fixture.Endpoint, _project, First);
        var firstOps = new BranchOperations(first, config);
        var price = BranchMapper.Map(config, "feature/price");
        await firstOps.EnsureExistsAsync(price, CancellationToken.None);
        await fixture.ExecuteAsync($"CREATE TABLE `{price.Database}`.prices (id INT PRIMARY KEY); INSERT INTO `{price.Database}`.prices VALUES (7)");

        await using var second = LocalBranchProvider.Create(fixture.Endpoint, _project, Second);
        var secondOps = new BranchOperations(second, config);
        var up = await Assert.ThrowsAsync<BranchTasksException>(() => secondOps.EnsureExistsAsync(BranchMapper.Map(config, "main"), CancellationToken.None));
        var create = await Assert.ThrowsAsync<BranchTasksException>(() => secondOps.EnsureExistsAsync(BranchMapper.Map(config, "feature/other"), CancellationToken.None));
        var delete = await Assert.ThrowsAsync<BranchTasksException>(() => secondOps.DeleteAsync(price, current: null, force: true, CancellationToken.None));
        var reset = await Assert.ThrowsAsync<BranchTasksException>(async () => await secondOps.ResetAsync((await second.FindAsync(price.Branch, CancellationToken.None))!, CancellationToken.None));
        var prunable = await secondOps.FindPrunableAsync(new HashSet<string>(), BranchMapper.Map(config, "main"), CancellationToken.None);

        Assert.Equal(ErrorCodes.DatabaseOfOtherRepository, up.Code);
        Assert.Contains($"\"{_project}\"", up.Message);
        Assert.Contains("root commit 111111111111", up.Message);
        Assert.Contains(First.Repository.Location, up.Message);
        Assert.Contains("choose another \"database\"", up.Message);
        Assert.Equal(ErrorCodes.DatabaseOfOtherRepository, create.Code);
        Assert.Equal(ErrorCodes.BranchNotOwned, delete.Code);
        Assert.Equal(ErrorCodes.BranchNotOwned, reset.Code);
        Assert.Empty(prunable);
        var seen = await second.ListAsync(CancellationToken.None);
        Assert.All(seen, b => Assert.Equal(BranchOwnership.OtherRepository, b.Ownership));
        Assert.DoesNotContain(seen, b => BranchOperations.IsListed(b, all: false));

        // Everything of the first repository is as it was, and nothing of the second's was made.
        var mine = await first.ListAsync(CancellationToken.None);
        Assert.Equal(new[] { price.Branch, "main" }.Order(StringComparer.Ordinal), mine.Select(b => b.Branch).Order(StringComparer.Ordinal));
        Assert.All(mine, b => Assert.Equal(BranchOwnership.Mine, b.Ownership));
        Assert.Equal(7, Convert.ToInt32(await fixture.ScalarAsync($"SELECT id FROM `{price.Database}`.prices")));
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '{_project}\\_feature\\_other%'")));

        // The first repository prunes its own stale branch, which the second could not.
        Assert.Equal([price.Branch], (await firstOps.FindPrunableAsync(new HashSet<string> { "main" }, BranchMapper.Map(config, "main"), CancellationToken.None)).Select(b => b.Branch));
        await firstOps.DeleteAsync(price, current: null, force: false, CancellationToken.None);
        await firstOps.DeleteAsync(BranchMapper.Map(config, "main"), current: null, force: true, CancellationToken.None);
    }

    [Fact]
    public async Task Another_developers_branch_of_the_same_repository_is_used_but_never_pruned_deleted_or_reset()
    {
        var config = Config;
        var colleague = First with { Developer = "colleague@elsewhere" };
        await using var theirs = LocalBranchProvider.Create(fixture.Endpoint, _project, colleague);
        var shared = BranchMapper.Map(config, "feature/shared");
        await new BranchOperations(theirs, config).EnsureExistsAsync(shared, CancellationToken.None);

        await using var mine = LocalBranchProvider.Create(fixture.Endpoint, _project, First);
        var ops = new BranchOperations(mine, config);
        Assert.False(await ops.EnsureExistsAsync(shared, CancellationToken.None));
        var found = (await mine.FindAsync(shared.Branch, CancellationToken.None))!;
        Assert.Equal(BranchOwnership.OtherDeveloper, found.Ownership);
        Assert.Equal("colleague@elsewhere", found.Owner);
        var delete = await Assert.ThrowsAsync<BranchTasksException>(() => ops.DeleteAsync(shared, current: null, force: true, CancellationToken.None));
        Assert.Equal(ErrorCodes.BranchNotOwned, delete.Code);
        Assert.Contains("made by colleague@elsewhere", delete.Message);
        Assert.Equal(ErrorCodes.BranchNotOwned, (await Assert.ThrowsAsync<BranchTasksException>(() => ops.ResetAsync(found, CancellationToken.None))).Code);
        Assert.Empty(await ops.FindPrunableAsync(new HashSet<string> { "main" }, BranchMapper.Map(config, "main"), CancellationToken.None));
        Assert.NotNull(await theirs.FindAsync(shared.Branch, CancellationToken.None));

        await new BranchOperations(theirs, config).DeleteAsync(shared, current: null, force: false, CancellationToken.None);
        await new BranchOperations(theirs, config).DeleteAsync(BranchMapper.Map(config, "main"), current: null, force: true, CancellationToken.None);
    }

    [Fact]
    public async Task Records_from_before_ownership_are_kept_listed_and_claimed_by_the_repository_that_uses_them()
    {
        var config = Config;
        await using var first = LocalBranchProvider.Create(fixture.Endpoint, _project, First);
        var ops = new BranchOperations(first, config);
        var old = BranchMapper.Map(config, "feature/old");
        var used = BranchMapper.Map(config, "feature/used");
        await ops.EnsureExistsAsync(old, CancellationToken.None);
        await ops.EnsureExistsAsync(used, CancellationToken.None);
        await fixture.ExecuteAsync($"UPDATE `_branchtasks`.branches SET repository = NULL, owner = NULL, repository_location = NULL WHERE project = '{_project}'");

        // Unclaimed: listed, never pruned (nobody knows whose git branches they followed).
        var listed = await first.ListAsync(CancellationToken.None);
        Assert.All(listed, b => Assert.Equal(BranchOwnership.Unclaimed, b.Ownership));
        Assert.All(listed, b => Assert.True(BranchOperations.IsListed(b, all: false)));
        Assert.Empty(await ops.FindPrunableAsync(new HashSet<string>(), BranchMapper.Map(config, "main"), CancellationToken.None));

        // Used from this repository: claimed, and from then on this repository's alone.
        Assert.False(await ops.EnsureExistsAsync(used, CancellationToken.None));
        await first.TouchAsync(used.Branch, CancellationToken.None);
        Assert.Equal(BranchOwnership.Mine, (await first.FindAsync(used.Branch, CancellationToken.None))!.Ownership);
        await using var second = LocalBranchProvider.Create(fixture.Endpoint, _project, Second);
        Assert.Equal(BranchOwnership.OtherRepository, (await second.FindAsync(used.Branch, CancellationToken.None))!.Ownership);
        Assert.Equal([used.Branch], (await ops.FindPrunableAsync(new HashSet<string> { "feature/old" }, BranchMapper.Map(config, "main"), CancellationToken.None)).Select(b => b.Branch));

        // An unclaimed branch named explicitly may be deleted (after the CLI's confirmation).
        await ops.DeleteAsync(old, current: null, force: false, CancellationToken.None);
        await ops.DeleteAsync(used, current: null, force: false, CancellationToken.None);
        await ops.DeleteAsync(BranchMapper.Map(config, "main"), current: null, force: true, CancellationToken.None);
        Assert.Empty(await first.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_metadata_table_from_before_ownership_gets_its_columns_and_keeps_its_rows()
    {
        var schema = PrivateServerFixture.UniqueName("old") + "_branchtasks";
        await fixture.ExecuteAsync(
            $"CREATE DATABASE `{schema}`; " +
            $"CREATE TABLE `{schema}`.branches (database_name VARCHAR(64) NOT NULL PRIMARY KEY, project VARCHAR(64) NOT NULL, branch VARCHAR(64) NOT NULL, parent VARCHAR(64) NULL, " +
            "git_branch VARCHAR(255) NULL, state ENUM('creating','ready') NOT NULL, created_at DATETIME(6) NOT NULL, last_used_at DATETIME(6) NULL, KEY project_branch (project, branch)); " +
            $"INSERT INTO `{schema}`.branches VALUES ('{_project}_main', '{_project}', 'main', NULL, 'main', 'ready', UTC_TIMESTAMP(6), NULL)");
        try
        {
            var store = new BranchMetadataStore(ct => fixture.Endpoint.OpenAdminConnectionAsync(ct), schema);
            await store.EnsureSchemaAsync(CancellationToken.None);
            await store.EnsureSchemaAsync(CancellationToken.None);

            var row = Assert.Single(await store.ListAsync(_project, CancellationToken.None));
            Assert.Null(row.Repository);
            Assert.Equal(BranchOwnership.Unclaimed, row.ToBranchInfo(First).Ownership);
            await store.ClaimAsync(row.DatabaseName, First, CancellationToken.None);
            await store.ClaimAsync(row.DatabaseName, Second, CancellationToken.None);
            Assert.Equal(First.Repository.Id, (await store.FindByDatabaseAsync(row.DatabaseName, CancellationToken.None))!.Repository);
        }
        finally
        {
            await fixture.ExecuteAsync($"DROP DATABASE `{schema}`");
        }
    }
}
