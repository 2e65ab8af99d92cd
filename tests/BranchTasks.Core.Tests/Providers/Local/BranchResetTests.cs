using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.Local;

/// <summary>`branch reset` on the server providers: the new copy is staged first, and only a complete one replaces the branch.</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class BranchResetTests(PrivateServerFixture fixture)
{
    private readonly string _project = PrivateServerFixture.UniqueName("reset");

    private ServerBranchProvider Provider => LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default);

    private BranchTarget Target(string branch) => new(branch, branch, _project + "_" + branch);

    [Fact]
    public async Task A_reset_whose_clone_fails_half_way_leaves_the_branch_as_it_was_and_no_staging_database()
    {
        var provider = Provider;
        var (root, work) = await RootAndBranchAsync(provider);
        await fixture.ExecuteAsync(
            "ALTER TABLE items ADD COLUMN note VARCHAR(20); INSERT INTO items VALUES (3, 'mine', 'kept'); UPDATE items SET name = 'changed' WHERE id = 1; " +
            "CREATE TABLE mine (id INT PRIMARY KEY); INSERT INTO mine VALUES (42);",
            work.Database);
        var before = await SnapshotAsync(work.Database);

        // The parent's tables and rows copy fine; its view then cannot be created (its table is gone), so the
        // staged clone fails after the tables, every time.
        await fixture.ExecuteAsync("CREATE TABLE helper (id INT); CREATE VIEW broken AS SELECT id FROM helper; DROP TABLE helper;", root.Database);

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => provider.ResetAsync(work, root, copyData: true, CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchCreateFailed, error.Code);
        Assert.Contains("`broken`", error.Message);
        Assert.Contains("work is unchanged", error.Message);
        Assert.Equal(before, await SnapshotAsync(work.Database));
        Assert.NotNull(await provider.FindAsync("work", CancellationToken.None));
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync(@"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '\_reset\_%'")));
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM `_branchtasks`.branches WHERE project = '{_project}' AND database_name LIKE '\\_reset\\_%'")));
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM mysql.db WHERE User = '{AppAccountName}' AND Db LIKE '%{StagingHash(work)}%'")));

        // The branch still serves its app account.
        Assert.Equal(3L, await CountThroughAppAccountAsync(provider, work, "SELECT COUNT(*) FROM items"));
    }

    [Fact]
    public async Task A_reset_gives_the_branch_the_parents_rows_and_schema_and_it_still_works_through_its_app_account()
    {
        var provider = Provider;
        var (root, work) = await RootAndBranchAsync(provider);
        await fixture.ExecuteAsync(
            "CREATE TABLE audit (id INT); CREATE TRIGGER items_audit AFTER INSERT ON items FOR EACH ROW INSERT INTO audit VALUES (NEW.id); CREATE VIEW names AS SELECT name FROM items;",
            root.Database);
        await fixture.ExecuteAsync("DELETE FROM items; CREATE TABLE mine (id INT);", work.Database);

        var reset = await provider.ResetAsync(work, root, copyData: true, CancellationToken.None);

        Assert.Equal(("work", work.Database, "main"), (reset.Branch, reset.Database, reset.Parent));
        Assert.Equal(await SnapshotAsync(root.Database, work.Database), await SnapshotAsync(work.Database));
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync(@"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '\_reset\_%'")));
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM mysql.db WHERE User = '{AppAccountName}' AND Db LIKE '%{StagingHash(work)}%'")));
        var view = Convert.ToString(await fixture.ScalarAsync($"SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{work.Database}' AND TABLE_NAME = 'names'"), System.Globalization.CultureInfo.InvariantCulture)!;
        Assert.Contains(work.Database, view);
        Assert.DoesNotContain("_reset_", view);

        // The app account still has its rights on the branch: it reads, writes (firing the copied trigger) and makes tables.
        Assert.Equal(1L, await CountThroughAppAccountAsync(provider, work, "INSERT INTO items VALUES (9, 'new'); CREATE TABLE app_made (id INT); SELECT COUNT(*) FROM audit"));
        Assert.NotNull(await provider.FindAsync("work", CancellationToken.None));
    }

    [Fact]
    public async Task A_staging_leftover_of_a_crashed_reset_is_cleared_by_the_next_reset()
    {
        var provider = Provider;
        var (root, work) = await RootAndBranchAsync(provider);

        // What a reset that died while staging leaves: a half-made copy recorded as creating, under the name derived from the branch's database.
        var staging = "_reset_" + StagingHash(work);
        var store = new BranchTasks.Core.Providers.BranchMetadataStore(ct => fixture.Endpoint.OpenAdminConnectionAsync(ct));
        await store.InsertCreatingAsync(staging, _project, staging, root.Branch, work.GitBranch, TestOwners.Default, CancellationToken.None);
        await fixture.ExecuteAsync($"CREATE DATABASE `{staging}`; CREATE TABLE `{staging}`.half_made (id INT);");

        await provider.ResetAsync(work, root, copyData: true, CancellationToken.None);

        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{staging}'")));
        Assert.Null(await store.FindByDatabaseAsync(staging, CancellationToken.None));
        Assert.Equal(2L, Convert.ToInt64(await fixture.ScalarAsync("SELECT COUNT(*) FROM items", work.Database)));
    }

    private static string StagingHash(BranchTarget branch) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(branch.Database)))[..24];

    private string AppAccountName => AppAccounts.NameFor("_branchtasks", _project);

    private async Task<(BranchTarget Root, BranchTarget Work)> RootAndBranchAsync(ServerBranchProvider provider)
    {
        var root = Target("main");
        var work = Target("work");
        await provider.CreateAsync(root, null, copyData: false, CancellationToken.None);
        await fixture.ExecuteAsync("CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20)); INSERT INTO items VALUES (1, 'one'), (2, 'two');", root.Database);
        await provider.CreateAsync(work, root, copyData: true, CancellationToken.None);
        return (root, work);
    }

    /// <summary>Columns, indexes and every row of every table (and views, triggers), as text; <paramref name="nameAs"/> stands in for the database's name.</summary>
    private async Task<string> SnapshotAsync(string database, string? nameAs = null)
    {
        var schema = Convert.ToString(await fixture.ScalarAsync(
            $"SELECT GROUP_CONCAT(CONCAT_WS(':', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY) ORDER BY TABLE_NAME, ORDINAL_POSITION SEPARATOR '\n') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{database}'"),
            System.Globalization.CultureInfo.InvariantCulture);
        var objects = Convert.ToString(await fixture.ScalarAsync(
            $"SELECT CONCAT_WS('|', (SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{database}'), (SELECT GROUP_CONCAT(TRIGGER_NAME ORDER BY TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{database}'))"),
            System.Globalization.CultureInfo.InvariantCulture);
        var rows = new List<string>();
        await using var connection = await fixture.OpenAdminAsync(database);
        var tables = new List<string>();
        await using (var list = new MySqlCommand("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables.Order(StringComparer.Ordinal))
        {
            await using var select = new MySqlCommand($"SELECT * FROM `{table}` ORDER BY 1", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(table + ":" + string.Join(",", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            }
        }

        var text = schema + "\n" + objects + "\n" + string.Join("\n", rows);
        return nameAs is null ? text : text.Replace(database, nameAs, StringComparison.Ordinal);
    }

    private static async Task<long> CountThroughAppAccountAsync(ServerBranchProvider provider, BranchTarget target, string sql)
    {
        await using var lease = await provider.OpenUpstreamAsync(target, CancellationToken.None);
        var upstream = lease.Endpoint;
        Assert.StartsWith("bt_", upstream.User);
        var builder = new MySqlConnectionStringBuilder { Server = upstream.Host, Port = (uint)upstream.Port, UserID = upstream.User, Password = upstream.Password, Database = upstream.Database, SslMode = MySqlSslMode.None };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
