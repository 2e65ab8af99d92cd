using System.Text.Json;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>`branchtasks exec --ephemeral`: a throw-away clone per run, gone afterwards however the run ends.</summary>
[Collection(ProductCollection.Name)]
public sealed class EphemeralExecTests(ProductFixture product)
{
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_throw_away_clone_has_the_source_rows_keeps_its_writes_and_is_gone_after_a_failing_command()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "ephclone" }""");
        (await product.ToolAsync(repo.Path, "exec", "--", "sh", "-c", "mariadb -e 'CREATE TABLE t (id INT); INSERT INTO t VALUES (1), (2)' \"$MYSQL_DATABASE\"")).EnsureSuccess("seed");
        var source = SourceDatabase(await product.ToolAsync(repo.Path, "up", "--json"));

        var run = await product.ToolAsync(repo.Path, "exec", "--ephemeral", "--", "sh", "-c",
            "mariadb --batch --skip-column-names -e 'SELECT COUNT(*) FROM t; INSERT INTO t VALUES (3); SELECT COUNT(*) FROM t; SELECT DATABASE()' \"$MYSQL_DATABASE\"; exit 3");
        Assert.True(run.ExitCode == 3, $"exit code {run.ExitCode}\n{run.Combined}");
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["2", "3"], lines[..2]);
        var database = lines[2];
        Assert.Matches("^ephclone_main_tmp_[0-9a-f]{8}$", database);

        // The write stayed in the clone, and the clone is gone: from `branch list` and from the server.
        Assert.Equal("2", await CountAsync(repo.Path, "SELECT COUNT(*) FROM t"));
        await AssertGoneAsync(repo.Path, source.Port, database);
    }

    [Fact]
    public async Task An_interrupted_run_passes_the_signal_to_the_command_and_then_deletes_its_branch()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "ephsignal" }""");
        await using var run = Start(repo.Path, "trap 'echo interrupted=yes; exit 42' INT; echo \"db=$MYSQL_DATABASE\"; sleep 120 >/dev/null 2>&1 & echo \"sleeper=$!\"; wait");
        var database = await run.WaitForLineAsync("db=", 1, Wait);
        var sleeper = await run.WaitForLineAsync("sleeper=", 1, Wait);
        int exitCode;
        try
        {
            Assert.Contains(database, await ListDatabasesAsync(repo.Path));
            await SignalAsync("INT", run.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            exitCode = await run.WaitForExitAsync(Wait);
        }
        finally
        {
            await ProcessRunner.RunAsync("kill", ["-KILL", sleeper], repo.Path);
        }

        Assert.True(exitCode == 42, $"exit code {exitCode}\n{run.Output}");
        Assert.Contains("interrupted=yes", run.Lines);
        await AssertGoneAsync(repo.Path, SourceDatabase(await product.ToolAsync(repo.Path, "up", "--json")).Port, database);
    }

    [Fact]
    public async Task Prune_deletes_what_a_killed_run_left_but_never_a_live_runs_branch()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "ephprune" }""");
        // The sleep holds no pipe of ours, so the tool's exit is seen without waiting for it.
        const string Script = "echo \"db=$MYSQL_DATABASE\"; echo \"child=$$\"; exec sleep 120 >/dev/null 2>&1";
        await using var killed = Start(repo.Path, Script);
        await using var live = Start(repo.Path, Script);
        var killedDatabase = await killed.WaitForLineAsync("db=", 1, Wait);
        var orphan = await killed.WaitForLineAsync("child=", 1, Wait);
        var liveDatabase = await live.WaitForLineAsync("db=", 1, Wait);
        try
        {
            await SignalAsync("KILL", killed.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await killed.WaitForExitAsync(Wait);
        }
        finally
        {
            await ProcessRunner.RunAsync("kill", ["-KILL", orphan], repo.Path);
        }

        var dryRun = await product.ToolAsync(repo.Path, "branch", "prune", "--json");
        var listed = ProductFixture.ParseJson(dryRun.EnsureSuccess("prune")).GetProperty("branches").EnumerateArray().Select(b => b.GetProperty("database").GetString()).ToList();
        Assert.Equal([killedDatabase], listed);
        Assert.Contains(killedDatabase, await ListDatabasesAsync(repo.Path));

        var pruned = (await product.ToolAsync(repo.Path, "branch", "prune", "--yes")).EnsureSuccess("prune --yes");
        Assert.Contains(killedDatabase, pruned.StandardOutput);
        var remaining = await ListDatabasesAsync(repo.Path);
        Assert.DoesNotContain(killedDatabase, remaining);
        Assert.Contains(liveDatabase, remaining);

        // SIGTERM (CI cancelling a job) ends the live run the same way: the command first, then its branch.
        await SignalAsync("TERM", live.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var exitCode = await live.WaitForExitAsync(Wait);
        Assert.True(exitCode == 143, $"exit code {exitCode}\n{live.Output}");
        await AssertGoneAsync(repo.Path, SourceDatabase(await product.ToolAsync(repo.Path, "up", "--json")).Port, liveDatabase);
    }

    [Fact]
    public async Task A_named_source_is_cloned_and_a_branch_without_its_record_is_left_alone_with_BT0606()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "ephnamed" }""");
        repo.Run("checkout", "-q", "-b", "featurenamed");
        var missing = await product.ToolAsync(repo.Path, "exec", "--ephemeral", "--branch", "main", "--", "true");
        Assert.True(missing.ExitCode == 1 && missing.StandardError.Contains("error BT0303", StringComparison.Ordinal), missing.Combined);
        (await product.ToolAsync(repo.Path, "up")).EnsureSuccess("up");
        var misuse = await product.ToolAsync(repo.Path, "exec", "--branch", "main", "--", "true");
        Assert.True(misuse.ExitCode == 1 && misuse.StandardError.Contains("error BT0002", StringComparison.Ordinal), misuse.Combined);

        // The command removes the run's record: without it the tool deletes nothing, says so, and fails the run.
        var run = await product.ToolAsync(repo.Path, "exec", "--ephemeral", "--branch", "main", "--", "sh", "-c",
            "mariadb --batch --skip-column-names -e 'SELECT DATABASE()' \"$MYSQL_DATABASE\" && rm \"$BRANCHTASKS_HOME\"/ephemeral/*\"$MYSQL_DATABASE\".json");
        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}\n{run.Combined}");
        Assert.Contains("error BT0606", run.StandardError);
        Assert.Contains("BT0603", run.StandardError);
        var database = run.StandardOutput.Trim();
        Assert.Matches("^ephnamed_main_tmp_[0-9a-f]{8}$", database);
        Assert.Contains(database, await ListDatabasesAsync(repo.Path));
        var prune = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "prune", "--json")).EnsureSuccess("prune"));
        Assert.Empty(prune.GetProperty("branches").EnumerateArray());

        var branch = "main-tmp-" + database[^8..];
        (await product.ToolAsync(repo.Path, "branch", "delete", branch, "--yes")).EnsureSuccess("branch delete");
    }

    /// <summary>
    /// `exec --ephemeral -- sh -c script`, in a session of its own: with no controlling terminal it is a run as in CI,
    /// where a signal reaches the tool alone, even when the tests themselves run in a terminal.
    /// </summary>
    private LiveProcess Start(string directory, string script) =>
        LiveProcess.StartProgram("setsid", directory, product.Environment(), "dotnet", "exec", product.ToolPath, "exec", "--ephemeral", "--", "sh", "-c", script);

    private static async Task SignalAsync(string signal, string processId) =>
        (await ProcessRunner.RunAsync("kill", ["-" + signal, processId], Path.GetTempPath())).EnsureSuccess("kill -" + signal);

    private static (string Database, int Port) SourceDatabase(ProcessResult up)
    {
        var json = ProductFixture.ParseJson(up.EnsureSuccess("up"));
        return (json.GetProperty("database").GetString()!, json.GetProperty("port").GetInt32());
    }

    private async Task<string> CountAsync(string directory, string sql) =>
        (await product.ToolAsync(directory, "exec", "--", "sh", "-c", $"mariadb --batch --skip-column-names -e '{sql}' \"$MYSQL_DATABASE\"")).EnsureSuccess("count").StandardOutput.Trim();

    /// <summary>The databases of this project known to `branch list`, plus those on the server.</summary>
    private async Task<List<string>> ListDatabasesAsync(string directory)
    {
        var list = ProductFixture.ParseJson((await product.ToolAsync(directory, "branch", "list", "--json")).EnsureSuccess("branch list"));
        var names = (list.ValueKind == JsonValueKind.Array ? list : list.GetProperty("branches")).EnumerateArray().Select(b => b.GetProperty("database").GetString()!).ToList();
        var port = SourceDatabase(await product.ToolAsync(directory, "up", "--json")).Port;
        names.AddRange((await PrivateServerAdmin.QueryAsync(product, directory, port, "SHOW DATABASES")).Split('\n'));
        return names;
    }

    private async Task AssertGoneAsync(string directory, int tunnelPort, string database)
    {
        var list = (await product.ToolAsync(directory, "branch", "list")).EnsureSuccess("branch list");
        Assert.DoesNotContain("-tmp-", list.StandardOutput);
        Assert.DoesNotContain(database, (await PrivateServerAdmin.QueryAsync(product, directory, tunnelPort, "SHOW DATABASES")).Split('\n'));
        var records = Path.Combine(product.Home, "ephemeral");
        Assert.Empty(Directory.Exists(records) ? Directory.GetFiles(records, "*" + database + "*") : []);
    }
}
