using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>`branchtasks doctor`: every check, ok or the problem with its fix, and the exit code.</summary>
[Collection(ProductCollection.Name)]
public sealed class DoctorTests(ProductFixture product)
{
    [Fact]
    public async Task Doctor_warns_about_the_optional_hook_with_its_fix_exits_0_and_passes_once_installed()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "doctor" }""");
        var before = await product.ToolAsync(repo.Path, "doctor");
        // The hook is optional: its absence is a warning, not a failure, so `doctor` can gate CI.
        Assert.True(before.ExitCode == 0, before.StandardOutput + before.StandardError);
        foreach (var check in new[] { "configuration", "server binaries", "git", "daemon", "tunnel" })
        {
            Assert.Contains($"[ok] {check}:", before.StandardOutput);
        }

        Assert.Contains("[warning] hooks:", before.StandardOutput);
        Assert.DoesNotContain("[problem]", before.StandardOutput);
        Assert.Contains("fix: Run `branchtasks hooks install`.", before.StandardOutput);
        Assert.Contains("No problems; 1 warning(s)", before.StandardOutput);
        var beforeJson = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "doctor", "--json")).EnsureSuccess("doctor --json"));
        Assert.True(beforeJson.GetProperty("ok").GetBoolean());
        var hooks = beforeJson.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "hooks");
        Assert.False(hooks.GetProperty("ok").GetBoolean());
        Assert.False(hooks.GetProperty("required").GetBoolean());

        (await product.ToolAsync(repo.Path, "hooks", "install")).EnsureSuccess("hooks install");
        var after = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "doctor", "--json")).EnsureSuccess("doctor"));
        Assert.True(after.GetProperty("ok").GetBoolean());
        Assert.All(after.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("ok").GetBoolean(), c.ToString()));
    }

    [Fact]
    public async Task Doctor_blames_a_wrong_local_serverPath_not_a_missing_install_and_exits_1()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "doctorpath", "local": { "serverPath": "no/such/mariadbd" } }""");
        var result = await product.ToolAsync(repo.Path, "doctor");
        Assert.True(result.ExitCode == 1, result.StandardOutput + result.StandardError);
        var lines = result.StandardOutput.Split('\n');
        var at = Array.FindIndex(lines, l => l.StartsWith("[problem] server binaries:", StringComparison.Ordinal));
        Assert.True(at >= 0, result.StandardOutput);
        Assert.Contains("BT0401", lines[at]);
        var fix = lines[at + 1].Trim();
        var configured = Path.Combine(repo.Path, "no", "such", "mariadbd");
        Assert.StartsWith($"fix: local.serverPath in {Path.Combine(repo.Path, "branchtasks.json")} is wrong: {configured} is no mariadbd or mysqld", fix);
        // The binaries are installed on this machine: the fix says where, and does not send the user to install them.
        Assert.Contains("A server was found at ", fix);
        Assert.DoesNotContain("Install MariaDB", fix);
    }

    [Fact]
    public async Task Doctor_outside_a_repository_names_each_problem_and_exits_1()
    {
        var folder = Directory.CreateTempSubdirectory("bt-doctor-").FullName;
        try
        {
            var result = await product.ToolAsync(folder, "doctor");
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("[problem] configuration:", result.StandardOutput);
            Assert.Contains("[problem] git:", result.StandardOutput);
            Assert.Contains("[problem] tunnel:", result.StandardOutput);
            Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
