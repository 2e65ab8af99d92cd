using System.Net;
using System.Net.Sockets;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>Every failure a user can cause: one clear message with a code, where, and how to fix; no stack trace.</summary>
[Collection(ProductCollection.Name)]
public sealed class ErrorTests(ProductFixture product)
{
    [Fact]
    public async Task Dotnet_run_reports_a_config_syntax_error_as_an_msbuild_error_with_file_and_line()
    {
        using var repo = product.CreateAppRepository("{\n  \"provider\": \"local\",\n  \"database\": \"broken\"\n  \"parent\": \"main\"\n}\n");
        var run = await product.DotnetAsync(Path.Combine(repo.Path, "app"), "run");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("error BT0202", run.StandardOutput + run.StandardError);
        Assert.Contains(Path.Combine(repo.Path, "branchtasks.json") + "(4,", run.StandardOutput + run.StandardError);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError);
    }

    [Theory]
    [InlineData("{ \"provider\": \"local\", \"database\": \"x\", \"paren\": \"main\" }", "BT0203", "paren")]
    [InlineData("{ \"provider\": \"local\", \"database\": \"x\", \"copyData\": \"yes\" }", "BT0204", "copyData")]
    [InlineData("{ \"provider\": \"oracle\", \"database\": \"x\" }", "BT0207", "oracle")]
    [InlineData("{ \"provider\": \"local\" }", "BT0206", "database")]
    public async Task Up_reports_configuration_mistakes(string config, string code, string mentioned)
    {
        using var repo = product.CreateAppRepository(config);
        var up = await product.ToolAsync(repo.Path, "up");

        AssertClearError(up, code);
        Assert.Contains(Path.Combine(repo.Path, "branchtasks.json"), up.StandardError);
        Assert.Contains(mentioned, up.StandardError);
    }

    [Fact]
    public async Task Up_outside_a_git_repository_says_so()
    {
        var folder = Directory.CreateTempSubdirectory("bt-nogit-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "branchtasks.json"), """{ "provider": "local", "database": "x" }""");
            var up = await product.ToolAsync(folder, "up");
            AssertClearError(up, "BT0101");
            Assert.Contains(folder, up.StandardError);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Up_reports_a_configured_server_path_that_does_not_exist()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "x", "local": { "serverPath": "/nowhere/mariadbd" } }""");
        var up = await product.ToolAsync(repo.Path, product.Environment(product.NewHome()), "up");

        AssertClearError(up, "BT0401");
        Assert.Contains("/nowhere/mariadbd", up.StandardError);
        Assert.Contains("serverPath", up.StandardError);
    }

    [Fact]
    public async Task Up_reports_a_configured_port_already_in_use()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        using var repo = product.CreateAppRepository($$"""{ "provider": "local", "database": "x", "local": { "port": {{port}} } }""");
        var up = await product.ToolAsync(repo.Path, product.Environment(product.NewHome()), "up");

        AssertClearError(up, "BT0404");
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), up.StandardError);
        Assert.Contains("local.port", up.StandardError);
    }

    private static void AssertClearError(ProcessResult result, string code)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error " + code + ":", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError);
        Assert.DoesNotContain("Exception", result.StandardError);
    }
}
