using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>`branchtasks doctor`: every check, ok or the problem with its fix, and the exit code.</summary>
[Collection(ProductCollection.Name)]
public sealed class DoctorTests(ProductFixture product)
{
    [Fact]
    public async Task Doctor_reports_missing_hooks_with_the_fix_then_passes_once_installed()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "doctor" }""");
        var before = await product.ToolAsync(repo.Path, "doctor");
        Assert.True(before.ExitCode == 1, before.StandardOutput + before.StandardError);
        foreach (var check in new[] { "configuration", "server binaries", "git", "daemon", "tunnel" })
        {
            Assert.Contains($"[ok] {check}:", before.StandardOutput);
        }

        Assert.Contains("[problem] hooks:", before.StandardOutput);
        Assert.Contains("fix: Run `branchtasks hooks install`.", before.StandardOutput);

        (await product.ToolAsync(repo.Path, "hooks", "install")).EnsureSuccess("hooks install");
        var after = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "doctor", "--json")).EnsureSuccess("doctor"));
        Assert.True(after.GetProperty("ok").GetBoolean());
        Assert.All(after.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("ok").GetBoolean(), c.ToString()));
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
