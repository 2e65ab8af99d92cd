using System.Text.Json;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>`branch prune`, `branch reset`, `branch diff` against real repositories and the private server.</summary>
[Collection(ProductCollection.Name)]
public sealed class LifecycleTests(ProductFixture product)
{
    [Fact]
    public async Task Prune_lists_then_deletes_only_stale_branches_the_tool_created()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "prune", "protected": ["keepme"] }""");
        var up = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up"));
        var port = up.GetProperty("port").GetInt32();
        foreach (var name in new[] { "gone", "alive", "packed" })
        {
            repo.Run("branch", name);
            (await product.ToolAsync(repo.Path, "branch", "create", name)).EnsureSuccess("create " + name);
        }

        // A protected database branch made by hand with its git branch gone, and a database the tool did not create.
        repo.Run("pack-refs", "--all");
        repo.Run("branch", "-D", "gone");
        await PrivateServerAdmin.QueryAsync(product, repo.Path, port, "CREATE DATABASE prune_handmade; CREATE DATABASE prune_keepme;");

        var list = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "prune", "--json")).EnsureSuccess("prune"));
        Assert.False(list.GetProperty("deleted").GetBoolean());
        Assert.Equal(["gone"], Names(list.GetProperty("branches")));

        var deleted = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "prune", "--yes", "--json")).EnsureSuccess("prune --yes"));
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal(["gone"], Names(deleted.GetProperty("branches")));

        var remaining = Names(ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "list", "--json")).EnsureSuccess("list")));
        Assert.Equal(["alive", "main", "packed"], remaining.Order().ToArray());
        Assert.Contains("prune_handmade", await PrivateServerAdmin.QueryAsync(product, repo.Path, port, "SHOW DATABASES"));
        Assert.Contains("prune_keepme", await PrivateServerAdmin.QueryAsync(product, repo.Path, port, "SHOW DATABASES"));
        Assert.Contains("Nothing to prune", (await product.ToolAsync(repo.Path, "branch", "prune")).EnsureSuccess("prune").StandardOutput);
    }

    [Fact]
    public async Task Reset_needs_confirmation_then_reclones_from_the_parent_and_diff_shows_schema_changes()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "reset" }""");
        var main = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up"));
        var port = main.GetProperty("port").GetInt32();
        await Mysql(repo.Path, port, "CREATE TABLE reset_main.items (id INT PRIMARY KEY, name VARCHAR(20), KEY ix_name (name)); INSERT INTO reset_main.items VALUES (1, 'one'); CREATE TABLE reset_main.old (id INT); CREATE VIEW reset_main.v AS SELECT id FROM reset_main.items;");
        repo.Run("checkout", "-q", "-b", "work");
        var work = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up work"));
        var database = work.GetProperty("database").GetString()!;
        await Mysql(repo.Path, port, $"ALTER TABLE {database}.items ADD COLUMN price INT, MODIFY name VARCHAR(40), DROP KEY ix_name, ADD KEY ix_price (price); DROP TABLE {database}.old; CREATE TABLE {database}.fresh (id INT); DELETE FROM {database}.items;");

        var diff = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "diff", "--json")).EnsureSuccess("diff"));
        Assert.Equal("main", diff.GetProperty("parent").GetString());
        var changes = diff.GetProperty("changes").EnumerateArray().ToDictionary(c => c.GetProperty("kind").GetString() + " " + c.GetProperty("name").GetString(), c => c);
        Assert.Equal("added", changes["table fresh"].GetProperty("change").GetString());
        Assert.Equal("removed", changes["table old"].GetProperty("change").GetString());
        Assert.Equal("changed", changes["table items"].GetProperty("change").GetString());
        Assert.False(changes.ContainsKey("view v"));
        var details = string.Join("\n", changes["table items"].GetProperty("details").EnumerateArray().Select(d => d.GetString()));
        Assert.Contains("+ column `price`", details);
        Assert.Contains("~ column `name`", details);
        Assert.Contains("- index `ix_name`", details);
        Assert.Contains("+ index `ix_price`", details);
        var text = (await product.ToolAsync(repo.Path, "branch", "diff", "work")).EnsureSuccess("diff text").StandardOutput;
        Assert.Contains("+ table fresh (added)", text);

        // Not a terminal and no --yes: a clear refusal, nothing dropped.
        var refused = await product.ToolAsync(repo.Path, "branch", "reset", "work");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("BT0602", refused.StandardError);
        Assert.Contains("--yes", refused.StandardError);
        Assert.Contains("fresh", await Mysql(repo.Path, port, "SHOW TABLES", database));

        var reset = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "reset", "work", "--yes", "--json")).EnsureSuccess("reset"));
        Assert.Equal("main", reset.GetProperty("parent").GetString());
        Assert.Equal("items\nold", (await Mysql(repo.Path, port, "SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'", database)).Trim().Replace("\tBASE TABLE", ""));
        Assert.Equal("1", (await Mysql(repo.Path, port, "SELECT COUNT(*) FROM items", database)).Trim());
        Assert.Empty(ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "diff", "--json")).EnsureSuccess("diff after")).GetProperty("changes").EnumerateArray());

        // The app's `up` works again after the reset (fresh tunnel to the re-created database).
        var again = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up after reset"));
        Assert.Equal(database, (await Mysql(repo.Path, again.GetProperty("port").GetInt32(), "SELECT DATABASE()", database)).Trim());

        var rootReset = await product.ToolAsync(repo.Path, "branch", "reset", "main", "--yes");
        Assert.Equal(1, rootReset.ExitCode);
        Assert.Contains("no parent", rootReset.StandardError);
    }

    [Fact]
    public async Task Delete_asks_first_and_needs_force_for_the_current_and_the_root_branch()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "guard" }""");
        (await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up");
        repo.Run("branch", "other");
        (await product.ToolAsync(repo.Path, "branch", "create", "other")).EnsureSuccess("create other");
        repo.Run("checkout", "-q", "-b", "work");
        (await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up work");

        // Not a terminal and no --yes: a clear refusal, nothing dropped.
        var unconfirmed = await product.ToolAsync(repo.Path, "branch", "delete", "other");
        Assert.Equal(1, unconfirmed.ExitCode);
        Assert.Contains("error BT0602:", unconfirmed.StandardError);
        Assert.Contains("--yes", unconfirmed.StandardError);
        Assert.Equal(["main", "other", "work"], await BranchesAsync(repo.Path));

        var current = await product.ToolAsync(repo.Path, "branch", "delete", "work", "--yes");
        Assert.Equal(1, current.ExitCode);
        Assert.Contains("error BT0310:", current.StandardError);
        Assert.Contains("current git branch 'work'", current.StandardError);
        Assert.Contains("--force", current.StandardError);
        var root = await product.ToolAsync(repo.Path, "branch", "delete", "main", "--yes", "--json");
        Assert.Equal(1, root.ExitCode);
        Assert.Equal("BT0310", JsonDocument.Parse(root.StandardOutput).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("root branch", root.StandardOutput);
        Assert.Equal(["main", "other", "work"], await BranchesAsync(repo.Path));

        (await product.ToolAsync(repo.Path, "branch", "delete", "other", "--yes")).EnsureSuccess("delete other");
        Assert.Equal(["main", "work"], await BranchesAsync(repo.Path));
        (await product.ToolAsync(repo.Path, "branch", "delete", "work", "--yes", "--force")).EnsureSuccess("delete work --force");
        (await product.ToolAsync(repo.Path, "branch", "delete", "main", "--yes", "--force")).EnsureSuccess("delete main --force");
        Assert.Empty(await BranchesAsync(repo.Path));
    }

    [Fact]
    public async Task A_reset_whose_clone_fails_half_way_leaves_the_branch_as_it_was()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "halfway" }""");
        var main = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up"));
        var port = main.GetProperty("port").GetInt32();
        await Mysql(repo.Path, port, "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO items VALUES (1, 'one');", "halfway_main");
        repo.Run("checkout", "-q", "-b", "work");
        var work = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up work"));
        var database = work.GetProperty("database").GetString()!;
        await Mysql(repo.Path, port, "ALTER TABLE items ADD COLUMN note VARCHAR(20); INSERT INTO items VALUES (2, 'mine', 'kept'); CREATE TABLE mine (id INT);", database);
        const string State = "SELECT CONCAT((SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY TABLE_NAME, ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()), '|', (SELECT GROUP_CONCAT(CONCAT_WS(',', id, name, note) ORDER BY id) FROM items))";
        var before = await Mysql(repo.Path, port, State, database);

        // The parent's tables and rows copy; its view cannot be created in the copy (its table is gone): the clone fails half-way, every time.
        await Mysql(repo.Path, port, "CREATE TABLE helper (id INT); CREATE VIEW broken AS SELECT id FROM helper; DROP TABLE helper;", "halfway_main");

        var reset = await product.ToolAsync(repo.Path, "branch", "reset", "work", "--yes");

        Assert.Equal(1, reset.ExitCode);
        Assert.Contains("error BT0306:", reset.StandardError);
        Assert.Contains("is unchanged", reset.StandardError);
        var again = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up after the failed reset"));
        Assert.False(again.TryGetProperty("created", out var created) && created.GetBoolean());
        Assert.Equal(before, await Mysql(repo.Path, again.GetProperty("port").GetInt32(), State, database));
        Assert.DoesNotContain("_reset_", await PrivateServerAdmin.QueryAsync(product, repo.Path, port, "SHOW DATABASES"));
    }

    private async Task<string[]> BranchesAsync(string directory) =>
        [.. Names(ProductFixture.ParseJson((await product.ToolAsync(directory, "branch", "list", "--json")).EnsureSuccess("list"))).Order(StringComparer.Ordinal)];

    private static string[] Names(JsonElement array) => array.EnumerateArray().Select(b => b.GetProperty("branch").GetString()!).ToArray();

    private static async Task<string> Mysql(string directory, int port, string sql, string? database = null)
    {
        var arguments = new List<string> { "--host=127.0.0.1", "--port=" + port, "--user=branchtasks_app", "--batch", "--skip-column-names", "-e", sql };
        if (database is not null)
        {
            arguments.Add(database);
        }

        return (await ProcessRunner.RunAsync("mariadb", arguments, directory)).EnsureSuccess("mariadb " + sql).StandardOutput;
    }
}
