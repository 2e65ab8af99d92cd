using System.Text.Json;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>The `branchtasks` tool as bundled in the package, against the shared daemon and private server.</summary>
[Collection(ProductCollection.Name)]
public sealed class CliTests(ProductFixture product)
{
    [Fact]
    public async Task Up_json_prints_the_contract_object_and_the_tunnel_answers_queries()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "cli", "connectionName": "Shop" }""");
        var up = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up"));

        Assert.Equal("main", up.GetProperty("gitBranch").GetString());
        Assert.Equal("main", up.GetProperty("branch").GetString());
        Assert.Equal("cli_main", up.GetProperty("database").GetString());
        Assert.Equal("127.0.0.1", up.GetProperty("host").GetString());
        Assert.Equal("local", up.GetProperty("provider").GetString());
        Assert.Equal("Shop", up.GetProperty("connectionName").GetString());
        var connectionString = up.GetProperty("connectionString").GetString()!;
        Assert.DoesNotContain("password", connectionString, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Port=" + up.GetProperty("port").GetInt32(), connectionString);

        // A real client, the mariadb CLI, through the tunnel.
        var query = await ProcessRunner.RunAsync(
            "mariadb",
            ["--host=127.0.0.1", "--port=" + up.GetProperty("port").GetInt32(), "--user=branchtasks_app", "--batch", "--skip-column-names", "-e", "SELECT DATABASE()", "cli_main"],
            repo.Path);
        Assert.Equal("cli_main", query.EnsureSuccess("mariadb").StandardOutput.Trim());

        var status = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "status", "--json")).EnsureSuccess("status"));
        Assert.True(status.GetProperty("running").GetBoolean());
        var tunnel = status.GetProperty("tunnels").EnumerateArray().Single(t => t.GetProperty("port").GetInt32() == up.GetProperty("port").GetInt32() && t.GetProperty("database").GetString() == "cli_main");
        if (OperatingSystem.IsWindows())
        {
            Assert.True(tunnel.GetProperty("upstreamTls").GetBoolean());
            Assert.Equal("tcp", tunnel.GetProperty("upstreamTransport").GetString());
        }
        else
        {
            // The private server's Unix socket in the state directory, no TLS.
            Assert.False(tunnel.GetProperty("upstreamTls").GetBoolean());
            Assert.Equal("unix", tunnel.GetProperty("upstreamTransport").GetString());
            var socket = tunnel.GetProperty("upstreamSocket").GetString()!;
            Assert.True(socket == Path.Combine(product.Home, "local", "mysqld.sock") || (socket.EndsWith(".sock", StringComparison.Ordinal) && File.Exists(socket)), socket);
        }

        Assert.True(tunnel.GetProperty("upstreamPort").GetInt32() > 0);
        Assert.True(tunnel.GetProperty("bytesToClient").GetInt64() > 0);
        Assert.True(tunnel.TryGetProperty("openConnections", out _));

        // The upstream password is held by the daemon only: not in the connection string, and the app account needs it directly.
        var credentials = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(product.Home, "local", "credentials.json"))).RootElement;
        var appPassword = credentials.GetProperty("appPassword").GetString()!;
        Assert.DoesNotContain(appPassword, connectionString);
        Assert.DoesNotContain(appPassword, up.ToString());
        var direct = await ProcessRunner.RunAsync(
            "mariadb",
            ["--host=127.0.0.1", "--port=" + tunnel.GetProperty("upstreamPort").GetInt32(), "--user=branchtasks_app", "--skip-ssl", "-e", "SELECT 1"],
            repo.Path);
        Assert.NotEqual(0, direct.ExitCode);
    }

    [Fact]
    public async Task Branch_list_create_delete_with_json_and_refusals()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "crud", "protected": ["keep"] }""");
        var created = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "create", "feature/list-me", "--json")).EnsureSuccess("branch create"));
        Assert.Equal("crud_" + created.GetProperty("branch").GetString()!.Replace('-', '_'), created.GetProperty("database").GetString());
        Assert.Equal("main", created.GetProperty("parent").GetString());
        Assert.Equal("feature/list-me", created.GetProperty("gitBranch").GetString());

        var list = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "list", "--json")).EnsureSuccess("branch list"));
        var names = list.EnumerateArray().Select(b => b.GetProperty("branch").GetString()).ToList();
        Assert.Contains("main", names);
        Assert.Contains(created.GetProperty("branch").GetString(), names);
        foreach (var item in list.EnumerateArray())
        {
            foreach (var key in new[] { "branch", "database", "gitBranch", "createdAt" })
            {
                Assert.True(item.TryGetProperty(key, out _), $"branch list item lacks {key}: {item}");
            }
        }

        var protectedCreate = await product.ToolAsync(repo.Path, "branch", "create", "keep");
        Assert.Equal(1, protectedCreate.ExitCode);
        Assert.Contains("BT0302", protectedCreate.StandardError);
        Assert.Contains("protected", protectedCreate.StandardError);

        (await product.ToolAsync(repo.Path, "branch", "delete", created.GetProperty("branch").GetString()!, "--yes")).EnsureSuccess("branch delete");
        var after = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "list", "--json")).EnsureSuccess("branch list"));
        Assert.DoesNotContain(after.EnumerateArray(), b => b.GetProperty("branch").GetString() == created.GetProperty("branch").GetString());
    }

    [Fact]
    public async Task Delete_leaves_a_database_the_tool_did_not_create_untouched()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "owned" }""");
        var up = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up"));
        // Someone makes a database by hand that happens to have a branch-like name (as the server's admin: the app's account may not).
        await PrivateServerAdmin.QueryAsync(product, repo.Path, up.GetProperty("port").GetInt32(), "CREATE DATABASE owned_handmade; CREATE TABLE owned_handmade.t (id INT); INSERT INTO owned_handmade.t VALUES (7);");

        var delete = await product.ToolAsync(repo.Path, "branch", "delete", "handmade", "--yes");
        Assert.Equal(1, delete.ExitCode);
        Assert.Contains("error BT0304:", delete.StandardError);
        Assert.Contains("owned_handmade was not created by BranchTasks", delete.StandardError);
        Assert.DoesNotContain("   at ", delete.StandardError);
        Assert.Equal("7", await PrivateServerAdmin.QueryAsync(product, repo.Path, up.GetProperty("port").GetInt32(), "SELECT id FROM owned_handmade.t"));
        await PrivateServerAdmin.QueryAsync(product, repo.Path, up.GetProperty("port").GetInt32(), "DROP DATABASE owned_handmade");
    }

    [Fact]
    public async Task Eight_simultaneous_ups_share_one_daemon_and_one_tunnel()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "eight" }""");
        var home = product.NewHome();
        var environment = product.Environment(home);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => product.ToolAsync(repo.Path, environment, "up", "--json")));

        var ports = results.Select(r => ProductFixture.ParseJson(r.EnsureSuccess("up")).GetProperty("port").GetInt32()).Distinct().ToList();
        Assert.Single(ports);
        var status = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, environment, "status", "--json")).EnsureSuccess("status"));
        Assert.Single(status.GetProperty("tunnels").EnumerateArray());
        var starts = File.ReadAllLines(Path.Combine(home, "daemon.log")).Count(l => l.Contains("daemon started", StringComparison.Ordinal));
        Assert.Equal(1, starts);

        // down closes this repository's tunnels; the daemon stays.
        Assert.Contains("Closed 1 tunnel(s)", (await product.ToolAsync(repo.Path, environment, "down")).EnsureSuccess("down").StandardOutput);
        var afterDown = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, environment, "status", "--json")).EnsureSuccess("status"));
        Assert.True(afterDown.GetProperty("running").GetBoolean());
        Assert.Empty(afterDown.GetProperty("tunnels").EnumerateArray());

        // server stop ends the private server, down --all the daemon.
        var serverPid = int.Parse(File.ReadAllText(Path.Combine(home, "local", "server.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("Stopped the private server", (await product.ToolAsync(repo.Path, environment, "server", "stop")).EnsureSuccess("server stop").StandardOutput);
        Assert.True(HasExited(serverPid));
        (await product.ToolAsync(repo.Path, environment, "down", "--all")).EnsureSuccess("down --all");
        Assert.False(File.Exists(Path.Combine(home, "daemon.pid")));
        Assert.False(ProductFixture.ParseJson((await product.ToolAsync(repo.Path, environment, "status", "--json")).EnsureSuccess("status")).GetProperty("running").GetBoolean());
    }

    [Fact]
    public async Task Private_server_killed_under_a_tunnel_is_an_err_packet_and_upstream_error_until_up()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "killed" }""");
        var home = product.NewHome();
        var environment = product.Environment(home);
        var port = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, environment, "up", "--json")).EnsureSuccess("up")).GetProperty("port").GetInt32();
        string[] select = ["--host=127.0.0.1", "--port=" + port, "--user=app", "--skip-ssl", "--batch", "--skip-column-names", "-e", "SELECT 1"];
        Assert.Equal("1", (await ProcessRunner.RunAsync("mariadb", select, repo.Path)).StandardOutput.Trim());

        var serverPid = int.Parse(File.ReadAllText(Path.Combine(home, "local", "server.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using (var server = System.Diagnostics.Process.GetProcessById(serverPid))
        {
            server.Kill();
            await server.WaitForExitAsync();
        }

        var refused = await ProcessRunner.RunAsync("mariadb", select, repo.Path);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("BranchTasks tunnel: cannot reach the upstream server", refused.StandardError);
        Assert.DoesNotContain("malformed", refused.StandardError, StringComparison.OrdinalIgnoreCase);
        var tunnel = Assert.Single(ProductFixture.ParseJson((await product.ToolAsync(repo.Path, environment, "status", "--json")).EnsureSuccess("status")).GetProperty("tunnels").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(tunnel.GetProperty("upstreamError").GetString()));
        Assert.Contains(File.ReadAllLines(Path.Combine(home, "daemon.log")), l => l.Contains($"tunnel 127.0.0.1:{port}", StringComparison.Ordinal) && l.Contains("refused or failed a login", StringComparison.Ordinal));

        // up starts the server again; the same tunnel port serves.
        Assert.Equal(port, ProductFixture.ParseJson((await product.ToolAsync(repo.Path, environment, "up", "--json")).EnsureSuccess("up again")).GetProperty("port").GetInt32());
        Assert.Equal("1", (await ProcessRunner.RunAsync("mariadb", select, repo.Path)).StandardOutput.Trim());
        await product.ToolAsync(repo.Path, environment, "server", "stop");
        await product.ToolAsync(repo.Path, environment, "down", "--all");
    }

    private static bool HasExited(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Hostile_git_branch_names_map_to_valid_distinct_databases()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "hostile" }""");
        string[] names =
        [
            "feature/x", "Feature/X", "feature-x", "release/1.2.3", "fix.dots.too",
            "fünf-Äpfel", "quote'd\"name", "back`tick", "semi;colon", "dollar$sign",
            new string('a', 120) + "/" + new string('b', 79),
        ];
        var databases = new Dictionary<string, string>();
        foreach (var name in names)
        {
            repo.Run("checkout", "-q", "-b", name, "main");
            var up = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up on " + name));
            Assert.Equal(name, up.GetProperty("gitBranch").GetString());
            var database = up.GetProperty("database").GetString()!;
            Assert.Matches("^[a-z0-9_]{1,64}$", database);
            Assert.Matches("^[a-z0-9-]+$", up.GetProperty("branch").GetString()!);
            var seen = await Mysql(repo.Path, up.GetProperty("port").GetInt32(), "SELECT DATABASE()", database);
            Assert.Equal(database, seen.Trim());
            databases.Add(name, database);
        }

        Assert.Equal(names.Length, databases.Values.Distinct().Count());
    }

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
