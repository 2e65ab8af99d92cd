using BranchTasks.Testing.PlanetScale;
using MySqlConnector;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// The <c>planetscale</c> provider end to end against the API double: `git checkout -b` then `dotnet run`
/// creates the PlanetScale branch, waits until it is ready, and the app works on it through the tunnel
/// with a branch password it never sees, deleted when the tunnel closes.
/// </summary>
[Collection(ProductCollection.Name)]
public sealed class PlanetScaleTests(ProductFixture product)
{
    [Fact]
    public async Task Dotnet_run_on_a_new_git_branch_creates_the_planetscale_branch_and_uses_it_through_the_tunnel()
    {
        await using var api = await PlanetScaleApiDouble.StartNewAsync(organization: "acme", database: "shop");
        await using (var main = await api.OpenBranchAdminAsync("main"))
        {
            await using var seed = new MySqlCommand("CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(200) NOT NULL, created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)); INSERT INTO orders (note) VALUES ('production row')", main);
            await seed.ExecuteNonQueryAsync();
        }

        using var repo = product.CreateAppRepository($$"""
            {
              "provider": "planetscale",
              "database": "shop",
              "planetscale": { "organization": "acme", "caCertificateFile": "{{api.CaCertificateFile}}", "passwordTtl": 600 }
            }
            """);
        var app = Path.Combine(repo.Path, "app");
        var home = product.NewHome();
        var environment = new Dictionary<string, string?>(product.Environment(home))
        {
            ["PLANETSCALE_SERVICE_TOKEN_ID"] = api.TokenId,
            ["PLANETSCALE_SERVICE_TOKEN"] = api.Token,
            // As pscale users set it: the base without /v1, trailing slash included.
            ["PLANETSCALE_API_URL"] = api.ApiUrl[..^"v1".Length],
        };

        // On main the git branch maps to the production branch: refused without the opt-in.
        var production = await product.DotnetAsync(app, environment, "run");
        Assert.NotEqual(0, production.ExitCode);
        Assert.Contains("error BT0707", production.StandardOutput + production.StandardError);

        repo.Run("checkout", "-b", "feature/y");
        var first = (await product.DotnetAsync(app, environment, AppOutput.RunArguments("feature-row"))).EnsureSuccess("dotnet run on feature/y");
        var second = (await product.DotnetAsync(app, environment, AppOutput.RunArguments("second-row"))).EnsureSuccess("dotnet run again");

        var branch = Assert.Single(api.Branches, b => b.Name.StartsWith("feature-y", StringComparison.Ordinal));
        Assert.Equal("main", branch.ParentBranch);
        Assert.True(branch.Ready);
        // The branch has main's schema but its own rows; production is untouched.
        Assert.Equal("shop", AppOutput.Parse(first.StandardOutput).Database);
        Assert.Equal(["feature-row", "second-row"], AppOutput.Parse(second.StandardOutput).Notes);
        await using (var main = await api.OpenBranchAdminAsync("main"))
        {
            await using var count = new MySqlCommand("SELECT COUNT(*) FROM orders", main);
            Assert.Equal(1L, Convert.ToInt64(await count.ExecuteScalarAsync()));
        }

        // One password served both runs; neither it nor the token ever reached the app or the user's files.
        var password = Assert.Single(api.Passwords, p => p.Branch == branch.Name);
        Assert.True(password.IsLive);
        var everything = first.StandardOutput + first.StandardError + second.StandardOutput + second.StandardError
            + string.Join("\n", Directory.EnumerateFiles(home, "*", SearchOption.AllDirectories).Select(ReadOrEmpty));
        Assert.DoesNotContain(password.PlainText, everything);
        Assert.DoesNotContain(api.Token, everything);
        var up = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, environment, "up", "--json")).EnsureSuccess("branchtasks up"));
        Assert.DoesNotContain("Password", up.GetProperty("connectionString").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("planetscale", up.GetProperty("provider").GetString());
        Assert.Equal(branch.Name, up.GetProperty("branch").GetString());

        // Closing the tunnel deletes the branch password at PlanetScale.
        (await product.ToolAsync(repo.Path, environment, "down", "--all")).EnsureSuccess("branchtasks down --all");
        Assert.All(api.Passwords.Where(p => p.Branch == branch.Name), p => Assert.True(p.IsDeleted, $"password {p.Id} still live"));
        Assert.NotEmpty(api.Requests.Matching("DELETE", $"/passwords/{password.Id}$"));
    }

    private static string ReadOrEmpty(string path)
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
