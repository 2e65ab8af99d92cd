namespace BranchTasks.Tool.Tests;

public sealed class CommandContextTests
{
    [Fact]
    public void Run_by_dotnet_the_tool_runs_itself_again_through_dotnet_exec_of_its_own_assembly()
    {
        // The test host is `dotnet` running a managed assembly, as the tool is when installed as a framework-dependent tool without apphost.
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(Environment.ProcessPath));

        var command = CommandContext.ToolCommandLine();

        Assert.Equal([Environment.ProcessPath!, "exec", typeof(CommandContext).Assembly.Location], command);
        Assert.Equal("branchtasks.dll", Path.GetFileName(command[2]));
    }
}
