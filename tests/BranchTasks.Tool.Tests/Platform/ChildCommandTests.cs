using BranchTasks.Core.Errors;
using BranchTasks.Tool.Platform;

namespace BranchTasks.Tool.Tests.Platform;

public sealed class ChildCommandTests
{
    private const string Usage = "branchtasks exec -- <command>";

    [Fact]
    public async Task The_childs_exit_code_is_the_result()
    {
        Assert.Equal(7, await ChildCommand.RunAsync(["sh", "-c", "exit 7"], _ => { }, Usage));
    }

    [Fact]
    public async Task Variables_are_set_and_unset_in_the_childs_environment_only()
    {
        Environment.SetEnvironmentVariable("BT_TOOL_TEST_UNSET", "present");
        try
        {
            var exitCode = await ChildCommand.RunAsync(
                ["sh", "-c", """test "$BT_TOOL_TEST_SET" = yes && test -z "${BT_TOOL_TEST_UNSET+x}" """],
                environment => { environment["BT_TOOL_TEST_SET"] = "yes"; environment["BT_TOOL_TEST_UNSET"] = null; },
                Usage);

            Assert.Equal(0, exitCode);
            Assert.Equal("present", Environment.GetEnvironmentVariable("BT_TOOL_TEST_UNSET"));
            Assert.Null(Environment.GetEnvironmentVariable("BT_TOOL_TEST_SET"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("BT_TOOL_TEST_UNSET", null);
        }
    }

    [Fact]
    public async Task No_command_is_a_usage_error()
    {
        var error = await Assert.ThrowsAsync<BranchTasksException>(() => ChildCommand.RunAsync([], _ => { }, Usage));

        Assert.Equal(ErrorCodes.InvalidArgument, error.Code);
        Assert.Contains(Usage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_program_that_does_not_exist_is_named_in_the_error()
    {
        var error = await Assert.ThrowsAsync<BranchTasksException>(() => ChildCommand.RunAsync(["bt-no-such-program-3f9"], _ => { }, Usage));

        Assert.Equal(ErrorCodes.InvalidArgument, error.Code);
        Assert.Contains("'bt-no-such-program-3f9'", error.Message, StringComparison.Ordinal);
        Assert.Contains("PATH", error.Message, StringComparison.Ordinal);
    }
}
