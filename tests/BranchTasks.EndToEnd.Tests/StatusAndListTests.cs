using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>`status`, `branch list` and the version: what they show a user who asks where things stand.</summary>
[Collection(ProductCollection.Name)]
public sealed class StatusAndListTests(ProductFixture product)
{
    [Fact]
    public async Task One_version_in_version_status_doctor_and_the_package()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "versions" }""");
        var version = (await product.ToolAsync(repo.Path, "--version")).EnsureSuccess("--version").StandardOutput.Trim();
        // Nerdbank.GitVersioning's informational version: semver, then the commit.
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\+[0-9a-f]{10}$", version);

        var doctor = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "doctor", "--json")).EnsureSuccess("doctor"));
        Assert.Equal(version, doctor.GetProperty("version").GetString());
        var status = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "status", "--json")).EnsureSuccess("status"));
        Assert.Equal(version, status.GetProperty("version").GetString());
        Assert.Contains($"(version {version})", (await product.ToolAsync(repo.Path, "status")).EnsureSuccess("status").StandardOutput);

        // The package is the same version in NuGet's form: without the commit on a public release (main, a tag),
        // with `-g<commit>` in its place on any other branch.
        var packageVersion = PackageVersion(product.PackagePath);
        Assert.Contains(packageVersion, new[] { version.Split('+')[0], version.Replace("+", "-g", StringComparison.Ordinal) });
    }

    [Fact]
    public async Task Text_status_lists_each_tunnels_repositories_and_branch_list_marks_the_current_branch()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "marks" }""");
        (await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up on main");
        repo.Run("checkout", "-q", "-b", "feature/mark-me");
        var feature = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up on feature"));
        var featureBranch = feature.GetProperty("branch").GetString()!;

        var status = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "status", "--json")).EnsureSuccess("status --json"));
        var text = (await product.ToolAsync(repo.Path, "status")).EnsureSuccess("status").StandardOutput;
        foreach (var database in new[] { "marks_main", feature.GetProperty("database").GetString()! })
        {
            var tunnel = status.GetProperty("tunnels").EnumerateArray().Single(t => t.GetProperty("database").GetString() == database);
            var repositories = tunnel.GetProperty("repositories").EnumerateArray().Select(r => r.GetString()!).ToList();
            Assert.Contains(Path.TrimEndingDirectorySeparator(Path.GetFullPath(repo.Path)), repositories.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))));
            // The text form says the same, right under the tunnel's own line.
            var lines = text.Split('\n');
            var at = Array.FindIndex(lines, l => l.Contains($"-> {database} on ", StringComparison.Ordinal));
            Assert.True(at >= 0, text);
            var listed = lines.Skip(at + 1).First(l => l.TrimStart().StartsWith("repositories: ", StringComparison.Ordinal));
            Assert.Equal("repositories: " + string.Join(", ", repositories), listed.Trim());
        }

        var list = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "branch", "list", "--json")).EnsureSuccess("branch list --json"));
        Assert.Equal([featureBranch], Current(list));
        Assert.Equal(2, list.GetArrayLength());
        var listText = (await product.ToolAsync(repo.Path, "branch", "list")).EnsureSuccess("branch list").StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"* {featureBranch} ", Assert.Single(listText, l => l.StartsWith("* ", StringComparison.Ordinal)));
        Assert.StartsWith("  main ", Assert.Single(listText, l => l.Contains("marks_main", StringComparison.Ordinal)));

        // The current branch is the one BranchTasks would use: BRANCHTASKS_BRANCH counts, as for `up`.
        var pinned = product.Environment(branch: "main");
        var onMain = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, pinned, "branch", "list", "--json")).EnsureSuccess("branch list pinned"));
        Assert.Equal(["main"], Current(onMain));
    }

    private static List<string> Current(JsonElement list) =>
        [.. list.EnumerateArray().Where(b => b.GetProperty("current").GetBoolean()).Select(b => b.GetProperty("branch").GetString()!)];

    private static string PackageVersion(string package)
    {
        using var archive = ZipFile.OpenRead(package);
        var nuspec = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var document = XDocument.Load(stream);
        return document.Descendants().Single(e => e.Name.LocalName == "version").Value;
    }
}
