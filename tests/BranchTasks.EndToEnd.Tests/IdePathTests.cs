using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using MySqlConnector;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// The EF Core sample (samples/ShopApi) started the ways most .NET developers start code, with no daemon running
/// and an empty state directory: the built app itself (F5), `dotnet test` with WebApplicationFactory, `dotnet ef`.
/// </summary>
[Collection(ProductCollection.Name)]
public sealed class IdePathTests(ProductFixture product)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task The_built_app_started_directly_reaches_the_branch_starting_the_daemon_and_fails_clearly_without_server_binaries()
    {
        using var repo = product.CreateApiRepository();
        var api = Path.Combine(repo.Path, "ShopApi");
        var home = product.NewHome();
        var noServer = product.NewHome();
        try
        {
            (await product.DotnetAsync(api, product.Environment(home), "build")).EnsureSuccess("dotnet build");
            Assert.False(File.Exists(Path.Combine(home, "daemon.pid")), "dotnet build must not start BranchTasks");

            await using (var app = StartApp(api, home))
            {
                Assert.Equal("shopapi_main", await DatabaseAsync(await UrlOfAsync(app)));
                // With the tool of the BranchTasks package the app was built with (its path is in the app's assembly).
                var bundled = Path.Combine(product.PackagesFolder, "branchtasks") + Path.DirectorySeparatorChar;
                Assert.Contains(app.Lines, l => l.StartsWith("BranchTasks: no daemon is running; starting it", StringComparison.Ordinal) && l.Contains(bundled, StringComparison.Ordinal));
                Assert.Contains(app.Lines, l => l.StartsWith("BranchTasks: main \u2192 shopapi_main (127.0.0.1:", StringComparison.Ordinal));
            }

            // After a reboot (no daemon, so nothing watched the checkout), a new git branch: the next start creates its database branch.
            var daemon = int.Parse(File.ReadAllText(Path.Combine(home, "daemon.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            (await product.ToolAsync(repo.Path, product.Environment(home), "down", "--all")).EnsureSuccess("down --all");
            await WaitForExitAsync(daemon);
            repo.Run("checkout", "-q", "-b", "new-branch");
            await using (var app = StartApp(api, home))
            {
                Assert.Equal("shopapi_new_branch", await DatabaseAsync(await UrlOfAsync(app)));
                Assert.Contains(app.Lines, l => l.StartsWith("BranchTasks: new-branch \u2192 shopapi_new_branch (127.0.0.1:", StringComparison.Ordinal) && l.EndsWith(", created from main", StringComparison.Ordinal));
            }

            // No server binaries: the app stops at AddBranchTasks() with the BranchTasks error, not on a null connection string.
            repo.WriteFile("ShopApi/branchtasks.json", """{ "provider": "local", "database": "shopapi", "local": { "serverPath": "/nowhere/mariadbd" } }""");
            await using (var app = StartApp(api, noServer))
            {
                Assert.NotEqual(0, await app.WaitForExitAsync(TimeSpan.FromMinutes(2)));
                Assert.Contains("BranchTasksConfigurationException: error BT0401: ", app.Output, StringComparison.Ordinal);
                Assert.Contains("/nowhere/mariadbd", app.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("No ConnectionStrings:Default", app.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("ArgumentNullException", app.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            await product.StopAsync(home);
            await product.StopAsync(noServer);
        }
    }

    [Fact]
    public async Task Dotnet_test_with_WebApplicationFactory_reaches_the_current_branch_with_no_daemon_running()
    {
        using var repo = product.CreateApiRepository();
        var home = product.NewHome();
        try
        {
            repo.Run("checkout", "-q", "-b", "tested");
            var test = await product.DotnetAsync(Path.Combine(repo.Path, "ShopApi.Tests"), product.Environment(home), "test");
            test.EnsureSuccess("dotnet test");
            Assert.Contains("Passed!", test.StandardOutput, StringComparison.Ordinal);

            // The test's row is in the branch's database, and the parent's has not even the table.
            var tested = await ConnectionStringAsync(repo.Path, home, "tested");
            Assert.Equal(1L, Convert.ToInt64(await ScalarAsync(tested, "SELECT COUNT(*) FROM products WHERE Name LIKE 'from a test %'"), System.Globalization.CultureInfo.InvariantCulture));
            var main = await ConnectionStringAsync(repo.Path, home, "main");
            Assert.Equal(0L, Convert.ToInt64(await ScalarAsync(main, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'products'"), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            await product.StopAsync(home);
        }
    }

    [Fact]
    public async Task Plain_dotnet_ef_migrates_the_feature_branch_only_and_a_running_app_follows_git_checkout_through_EF()
    {
        using var repo = product.CreateApiRepository();
        var api = Path.Combine(repo.Path, "ShopApi");
        var home = product.NewHome();
        var environment = product.Environment(home);
        try
        {
            (await product.DotnetAsync(api, environment, "tool", "restore")).EnsureSuccess("dotnet tool restore");
            (await product.DotnetAsync(api, environment, "ef", "database", "update")).EnsureSuccess("dotnet ef database update on main");

            repo.Run("checkout", "-q", "-b", "feature/sku");
            repo.WriteFile("ShopApi/Product.cs", """
                namespace ShopApi;

                public sealed class Product
                {
                    public int Id { get; set; }

                    public required string Name { get; set; }

                    public string? Sku { get; set; }
                }
                """);
            (await product.DotnetAsync(api, environment, "ef", "migrations", "add", "AddSku")).EnsureSuccess("dotnet ef migrations add");
            (await product.DotnetAsync(api, environment, "ef", "database", "update")).EnsureSuccess("dotnet ef database update on feature/sku");
            repo.Commit("AddSku");

            var feature = await ConnectionStringAsync(repo.Path, home, "feature/sku");
            var main = await ConnectionStringAsync(repo.Path, home, "main");
            Assert.Equal("Initial,AddSku", await MigrationsAsync(feature));
            Assert.Equal(1L, await SkuColumnsAsync(feature));
            Assert.Equal("Initial", await MigrationsAsync(main));
            Assert.Equal(0L, await SkuColumnsAsync(main));

            // The app as dotnet ef built it, running on the feature branch; then `git checkout main` while it runs.
            await using var app = StartApp(api, home);
            var url = await UrlOfAsync(app);
            var featureDatabase = await DatabaseAsync(url);
            Assert.StartsWith("shopapi_feature_sku_", featureDatabase, StringComparison.Ordinal);
            var posted = await Http.PostAsJsonAsync(url + "/products", new { name = "feature only", sku = "F-1" });
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());

            repo.Run("checkout", "-q", "main");
            var watch = Stopwatch.StartNew();
            string database;
            do
            {
                await Task.Delay(100);
                database = await DatabaseAsync(url);
            }
            while (database == featureDatabase && watch.Elapsed < TimeSpan.FromSeconds(30));
            Assert.Equal("shopapi_main", database);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}\n{app.Output}");
        }
        finally
        {
            await product.StopAsync(home);
        }
    }

    private LiveProcess StartApp(string api, string home)
    {
        var environment = product.Environment(home);
        environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        return LiveProcess.StartProgram(Path.Combine(api, "bin", "Debug", "net10.0", OperatingSystem.IsWindows() ? "ShopApi.exe" : "ShopApi"), api, environment);
    }

    private static async Task WaitForExitAsync(int pid)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            // Gone, or a zombie (a container's init may not reap it): either way it watches nothing any more.
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{pid}/stat");
            }
            catch (IOException)
            {
                return;
            }

            if (stat[stat.LastIndexOf(')') + 2] is 'Z' or 'X')
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The daemon {pid} did not exit within 30 s of `down --all`.");
    }

    private static async Task<string> UrlOfAsync(LiveProcess app) =>
        await app.WaitForLineAsync("      Now listening on: ", 1, TimeSpan.FromMinutes(3));

    private static async Task<string> DatabaseAsync(string url)
    {
        using var response = await Http.GetAsync(url + "/");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("database").GetString()!;
    }

    private async Task<string> ConnectionStringAsync(string repo, string home, string gitBranch)
    {
        var up = await product.ToolAsync(repo, product.Environment(home, gitBranch), "up", "--json", "-C", Path.Combine(repo, "ShopApi"));
        up.EnsureSuccess("up --json");
        return ProductFixture.ParseJson(up).GetProperty("connectionString").GetString()!;
    }

    private static async Task<string> MigrationsAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0)[(reader.GetString(0).IndexOf('_', StringComparison.Ordinal) + 1)..]);
        }

        return string.Join(",", names);
    }

    private static async Task<long> SkuColumnsAsync(string connectionString) => Convert.ToInt64(
        await ScalarAsync(connectionString, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'products' AND column_name = 'Sku'"),
        System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
