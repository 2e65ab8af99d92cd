using BranchTasks.Core.Errors;
using BranchTasks.Testing;

namespace BranchTasks.Tool.Tests.Commands;

/// <summary>`branch delete` and `branch reset` drop data: with nobody at a terminal to ask, they refuse before any daemon is asked.</summary>
public sealed class DestructiveVerbTests : IDisposable
{
    private readonly TempGitRepository _repository = TempGitRepository.Create();

    public DestructiveVerbTests()
    {
        _repository.WriteFile("branchtasks.json", """{ "provider": "local", "database": "shop" }""");
        _repository.Commit("config");
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("reset")]
    public async Task Without_yes_and_without_a_terminal_it_refuses_and_starts_no_daemon(string verb)
    {
        Assert.True(Console.IsInputRedirected, "the test host's stdin must be redirected for this test to mean anything");

        var run = await ToolRun.RunAsync("branch", verb, "feature", "-C", _repository.Path);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"branchtasks : error {ErrorCodes.ConfirmationRequired}: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("--yes", run.Error, StringComparison.Ordinal);
        Assert.False(run.StartedADaemon);
    }

    public void Dispose() => _repository.Dispose();
}
