extern alias tasks;

using tasks::BranchTasks.MSBuild;

namespace BranchTasks.MSBuild.Tests;

/// <summary>
/// How the app gets its connection string on `dotnet run`, on every platform: nothing the run already has is lost and a
/// password never reaches a process's arguments. (The end-to-end tests run the Unix paths for real.)
/// </summary>
public sealed class AppLaunchTests
{
    private const string ConnectionString = "Server=127.0.0.1;Port=4000;Database=shop_main";

    private static AppLaunchInputs Inputs(bool unix, string runArguments = "") =>
        new(unix, "/app/bin/Shop", runArguments, "/usr/share/dotnet/dotnet", "/pkg/tools/branchtasks/branchtasks.dll", "/pkg/build/BranchTasks.launch.sh");

    [Fact]
    public void On_unix_with_no_run_arguments_a_script_passes_the_string_and_run_arguments_stay_empty()
    {
        var launch = AppLaunch.For(Inputs(unix: true), "Default", ConnectionString, null);

        Assert.Null(launch.RunArguments);
        Assert.Null(launch.RunCommand);
        Assert.Equal(["/app/bin/Shop", "--ConnectionStrings:Default=" + ConnectionString], launch.ScriptWords);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void With_run_arguments_or_on_windows_the_string_is_appended_to_them(bool unix)
    {
        var runArguments = unix ? "--Greeting=hi" : "";
        var launch = AppLaunch.For(Inputs(unix, runArguments), "Default", ConnectionString, null);

        Assert.Null(launch.ScriptWords);
        Assert.Null(launch.RunCommand);
        Assert.Equal(runArguments + " \"--ConnectionStrings:Default=" + ConnectionString + "\"", launch.RunArguments);
    }

    [Fact]
    public void Token_mode_on_unix_starts_the_sh_launcher_from_the_script_with_no_secret_in_any_word()
    {
        var launch = AppLaunch.For(Inputs(unix: true, "--Greeting=hi"), "Default", ConnectionString, "/state/tokens/abc.txt");

        Assert.Null(launch.RunArguments);
        Assert.Null(launch.RunCommand);
        Assert.Equal(["/bin/sh", "/pkg/build/BranchTasks.launch.sh", "/state/tokens/abc.txt", "ConnectionStrings__Default", "/app/bin/Shop"], launch.ScriptWords);
    }

    [Theory]
    [InlineData(false, "Default")]
    [InlineData(true, "my-db")]
    [InlineData(true, "shop.read")]
    public void Token_mode_on_windows_or_with_a_name_no_shell_variable_can_hold_runs_the_tools_launch_verb(bool unix, string name)
    {
        var launch = AppLaunch.For(Inputs(unix, "--Greeting=hi"), name, ConnectionString, "/state/tokens/abc.txt");

        Assert.Null(launch.ScriptWords);
        Assert.Equal("/usr/share/dotnet/dotnet", launch.RunCommand);
        Assert.Equal($"exec \"/pkg/tools/branchtasks/branchtasks.dll\" launch --env-file \"/state/tokens/abc.txt\" --var \"ConnectionStrings__{name}\" -- \"/app/bin/Shop\" --Greeting=hi", launch.RunArguments);
    }
}
