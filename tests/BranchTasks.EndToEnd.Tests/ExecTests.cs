using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>`branchtasks exec -- command`: the ensure step, then the command with the tunnel in its environment.</summary>
[Collection(ProductCollection.Name)]
public sealed class ExecTests(ProductFixture product)
{
    [Fact]
    public async Task Exec_passes_the_exit_code_through()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "exitcode" }""");
        var result = await product.ToolAsync(repo.Path, "exec", "--", "sh", "-c", "exit 7");
        Assert.True(result.ExitCode == 7, $"exit code {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
    }

    [Fact]
    public async Task Exec_sets_the_connection_string_and_database_url_to_the_branch_tunnel()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "execenv", "connectionName": "Shop" }""");
        repo.Run("checkout", "-q", "-b", "featureexec");
        var result = (await product.ToolAsync(repo.Path, "exec", "--", "sh", "-c", "echo \"cs=$ConnectionStrings__Shop\"; echo \"url=$DATABASE_URL\"")).EnsureSuccess("exec");
        var up = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up"));
        var port = up.GetProperty("port").GetInt32();
        Assert.Equal("execenv_featureexec", up.GetProperty("database").GetString());

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("cs=" + up.GetProperty("connectionString").GetString(), lines);
        Assert.Contains($"url=mysql://branchtasks_app@127.0.0.1:{port}/execenv_featureexec", lines);
        Assert.DoesNotContain("password", result.StandardOutput, StringComparison.OrdinalIgnoreCase);

        // The variables point at a live tunnel.
        var query = await ProcessRunner.RunAsync(
            "mariadb", ["--host=127.0.0.1", "--port=" + port, "--user=branchtasks_app", "--batch", "--skip-column-names", "-e", "SELECT DATABASE()", "execenv_featureexec"], repo.Path);
        Assert.Equal("execenv_featureexec", query.EnsureSuccess("mariadb").StandardOutput.Trim());
    }

    [Fact]
    public async Task Exec_without_a_command_or_with_a_missing_program_fails_clearly()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "execmissing" }""");
        var missing = await product.ToolAsync(repo.Path, "exec", "--", "no-such-program-bt");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("error BT0002", missing.StandardError);
        Assert.Contains("no-such-program-bt", missing.StandardError);
        Assert.DoesNotContain("   at ", missing.StandardError);
    }
}
