using System.Text.Json;
using BranchTasks.Core;
using BranchTasks.Core.Errors;

namespace BranchTasks.Tool.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _notARepository = Directory.CreateTempSubdirectory("bt-tool-norepo-").FullName;

    [Fact]
    public async Task Version_prints_the_product_version_alone()
    {
        var run = await ToolRun.RunAsync("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(ProductVersion.Current, run.Output.Trim());
    }

    [Fact]
    public async Task Version_with_another_argument_is_a_usage_error()
    {
        var run = await ToolRun.RunAsync("--version", "extra");

        Assert.NotEqual(0, run.ExitCode);
        Assert.DoesNotContain(ProductVersion.Current, run.Output, StringComparison.Ordinal);
        Assert.Contains("extra", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_verb_is_a_usage_error_that_names_it()
    {
        var run = await ToolRun.RunAsync("frobnicate");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("frobnicate", run.Error, StringComparison.Ordinal);
        Assert.False(run.StartedADaemon);
    }

    [Fact]
    public async Task A_json_error_is_one_object_on_stdout_and_the_canonical_line_on_stderr_and_starts_no_daemon()
    {
        var run = await ToolRun.RunAsync("up", "--json", "-C", _notARepository);

        Assert.Equal(1, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(ErrorCodes.ConfigNotFound, error.GetProperty("code").GetString());
        Assert.Contains(Path.GetFileName(_notARepository), error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"branchtasks : error {ErrorCodes.ConfigNotFound}: ", run.Error, StringComparison.Ordinal);
        Assert.False(run.StartedADaemon);
    }

    [Fact]
    public async Task Without_json_an_error_leaves_stdout_empty_and_shows_no_stack_trace()
    {
        var run = await ToolRun.RunAsync("up", "-C", _notARepository);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_notARepository, recursive: true);
}
