using BranchTasks.Core.Providers.Local;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// The <c>mysql</c> provider end to end: a team's shared server (here a real MariaDB with TLS that the test
/// starts, password-protected), admin credentials only in the developer's environment, `dotnet run` on a
/// new git branch landing on its own prefixed database through the tunnel.
/// </summary>
[Collection(ProductCollection.Name)]
public sealed class SharedServerTests(ProductFixture product, PrivateServerFixture server) : IClassFixture<PrivateServerFixture>
{
    [Fact]
    public async Task Dotnet_run_on_a_new_git_branch_gets_its_own_database_on_the_shared_server_with_no_secret_in_the_app()
    {
        var server = SharedServer;
        var ca = new LocalServerLayout(server.State).TlsCertificateFile;
        using var repo = product.CreateAppRepository($$"""
            {
              "provider": "mysql",
              "database": "team",
              "mysql": { "host": "127.0.0.1", "port": {{server.Endpoint.Port}}, "databasePrefix": "alice_", "tls": "verify-full", "caCertificateFile": "{{ca}}" }
            }
            """);
        var app = Path.Combine(repo.Path, "app");
        var environment = new Dictionary<string, string?>(product.Environment(product.NewHome()))
        {
            ["BRANCHTASKS_MYSQL_USER"] = server.Endpoint.AdminUser,
            ["BRANCHTASKS_MYSQL_PASSWORD"] = server.Endpoint.AdminPassword,
            ["BRANCHTASKS_MYSQL_HOST"] = $"127.0.0.1:{server.Endpoint.Port}",
        };

        var main = await RunAsync(app, environment, "main-row");
        Assert.Equal("alice_team_main", main.Output.Database);

        repo.Run("checkout", "-b", "feature/y");
        var feature = await RunAsync(app, environment, "feature-row");
        Assert.StartsWith("alice_team_feature_y", feature.Output.Database);
        Assert.Equal(["main-row", "feature-row"], feature.Output.Notes);

        repo.Run("checkout", "main");
        var back = await RunAsync(app, environment, null);
        Assert.Equal(["main-row"], back.Output.Notes);

        // The databases really are on the shared server, and the app never saw its password.
        Assert.Equal(1L, Convert.ToInt64(await server.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{feature.Output.Database}'")));
        foreach (var run in new[] { main, feature, back })
        {
            Assert.DoesNotContain(server.Endpoint.AdminPassword, run.Text);
        }

        var up = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, environment, "up", "--json")).EnsureSuccess("branchtasks up"));
        var connectionString = up.GetProperty("connectionString").GetString()!;
        Assert.StartsWith("Server=127.0.0.1;", connectionString);
        Assert.DoesNotContain("Password", connectionString, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("mysql", up.GetProperty("provider").GetString());
        var status = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, environment, "status", "--json")).EnsureSuccess("branchtasks status"));
        Assert.Contains(status.GetProperty("tunnels").EnumerateArray(), t => t.GetProperty("upstreamTls").GetBoolean() && t.GetProperty("upstreamPort").GetInt32() == server.Endpoint.Port);
        Assert.DoesNotContain(server.Endpoint.AdminPassword, string.Join("\n", Directory.EnumerateFiles(environment["BRANCHTASKS_HOME"]!, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".sock", StringComparison.Ordinal)).Select(SafeRead)));
    }

    [Fact]
    public async Task Without_credentials_dotnet_run_fails_with_one_clear_error_and_touches_nothing()
    {
        var server = SharedServer;
        using var repo = product.CreateAppRepository($$"""
            { "provider": "mysql", "database": "nocreds", "mysql": { "host": "127.0.0.1", "port": {{server.Endpoint.Port}} } }
            """);
        var environment = product.Environment(product.NewHome());

        var run = await product.DotnetAsync(Path.Combine(repo.Path, "app"), environment, "run");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("error BT0701", run.StandardOutput + run.StandardError);
        Assert.Contains("BRANCHTASKS_MYSQL_USER", run.StandardOutput + run.StandardError);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError);
        Assert.Equal(0L, Convert.ToInt64(await server.ScalarAsync("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'nocreds%'")));
    }

    [Fact]
    public async Task A_checked_out_branchtasks_json_naming_another_server_gets_no_credentials_from_up_nor_from_the_head_watcher()
    {
        var server = SharedServer;
        var ca = new LocalServerLayout(server.State).TlsCertificateFile;
        using var elsewhere = ConnectionRecorder.OnLoopback();
        using var repo = product.CreateAppRepository($$"""
            { "provider": "mysql", "database": "bound", "mysql": { "host": "127.0.0.1", "port": {{server.Endpoint.Port}}, "databasePrefix": "bob_", "caCertificateFile": "{{ca}}" } }
            """);
        // A branch someone else pushed: same project, but the server is theirs.
        repo.Run("checkout", "-q", "-b", "hostile");
        repo.WriteFile("branchtasks.json", $$"""
            { "provider": "mysql", "database": "bound", "mysql": { "host": "127.0.0.1", "port": {{elsewhere.Port}}, "databasePrefix": "bob_", "tls": "unverified-or-plaintext" } }
            """);
        repo.Commit("their server");
        repo.Run("checkout", "-q", "main");
        var home = product.NewHome();
        var environment = new Dictionary<string, string?>(product.Environment(home))
        {
            ["BRANCHTASKS_MYSQL_USER"] = server.Endpoint.AdminUser,
            ["BRANCHTASKS_MYSQL_PASSWORD"] = server.Endpoint.AdminPassword,
            ["BRANCHTASKS_MYSQL_HOST"] = $"127.0.0.1:{server.Endpoint.Port}",
        };
        try
        {
            (await product.ToolAsync(repo.Path, environment, "up")).EnsureSuccess("up on main");

            // The daemon now watches HEAD; a checkout alone makes it try the branch's config ahead of use.
            repo.Run("checkout", "-q", "hostile");
            var log = Path.Combine(home, "daemon.log");
            var expected = $"bound to 127.0.0.1:{server.Endpoint.Port}, but";
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!SafeRead(log).Contains(expected, StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, "The HEAD watcher did not report the refused binding within 30 s. Log:\n" + SafeRead(log));
                await Task.Delay(200);
            }

            var up = await product.ToolAsync(repo.Path, environment, "up");
            Assert.NotEqual(0, up.ExitCode);
            var text = up.StandardOutput + up.StandardError;
            Assert.Contains("BT0708", text);
            Assert.Contains($"127.0.0.1:{elsewhere.Port}", text);
            Assert.Contains("BRANCHTASKS_MYSQL_HOST", text);
            Assert.DoesNotContain(server.Endpoint.AdminPassword, text + SafeRead(log));
            Assert.Equal(0, elsewhere.Connections);
        }
        finally
        {
            await product.ToolAsync(repo.Path, environment, "down", "--all");
        }
    }

    [Fact]
    public async Task Exec_runs_its_command_without_the_provider_credentials()
    {
        var server = SharedServer;
        var ca = new LocalServerLayout(server.State).TlsCertificateFile;
        using var repo = product.CreateAppRepository($$"""
            { "provider": "mysql", "database": "execcreds", "mysql": { "host": "127.0.0.1", "port": {{server.Endpoint.Port}}, "databasePrefix": "carol_", "caCertificateFile": "{{ca}}" } }
            """);
        var home = product.NewHome();
        var environment = new Dictionary<string, string?>(product.Environment(home))
        {
            ["BRANCHTASKS_MYSQL_USER"] = server.Endpoint.AdminUser,
            ["BRANCHTASKS_MYSQL_PASSWORD"] = server.Endpoint.AdminPassword,
            ["BRANCHTASKS_MYSQL_HOST"] = $"127.0.0.1:{server.Endpoint.Port}",
            ["PLANETSCALE_SERVICE_TOKEN_ID"] = "pscale-id-exec-test",
            ["PLANETSCALE_SERVICE_TOKEN"] = "pscale-token-exec-test",
            ["PLANETSCALE_API_URL"] = "https://api.example.com/v1",
            ["UNRELATED_VARIABLE"] = "still-there",
        };
        try
        {
            var result = (await product.ToolAsync(repo.Path, environment, "exec", "--", "env")).EnsureSuccess("exec env");

            var names = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("UNRELATED_VARIABLE", names);
            Assert.Contains("ConnectionStrings__Default", names);
            foreach (var name in new[] { "BRANCHTASKS_MYSQL_USER", "BRANCHTASKS_MYSQL_PASSWORD", "BRANCHTASKS_MYSQL_HOST", "PLANETSCALE_SERVICE_TOKEN_ID", "PLANETSCALE_SERVICE_TOKEN", "PLANETSCALE_API_URL" })
            {
                Assert.DoesNotContain(name, names);
            }

            Assert.DoesNotContain(server.Endpoint.AdminPassword, result.StandardOutput);
            Assert.DoesNotContain("pscale-token-exec-test", result.StandardOutput);
        }
        finally
        {
            await product.ToolAsync(repo.Path, environment, "down", "--all");
        }
    }

    private PrivateServerFixture SharedServer => server;

    private async Task<(AppOutput Output, string Text)> RunAsync(string app, IReadOnlyDictionary<string, string?> environment, string? note)
    {
        var result = (await product.DotnetAsync(app, environment, AppOutput.RunArguments(note))).EnsureSuccess("dotnet run");
        return (AppOutput.Parse(result.StandardOutput), result.StandardOutput + result.StandardError);
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
