using BranchTasks.Core.Daemon;
using BranchTasks.Core.Errors;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Tests.Daemon;

public sealed class DaemonLauncherTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("bt-launcher-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task A_daemon_that_dies_at_start_is_BT0501_and_what_it_printed_is_in_daemon_log()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var state = new StateDirectory(_home);
        var launcher = new DaemonLauncher(state, ["sh", "-c", "echo 'daemon: cannot open the state directory' >&2; exit 3"]);

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => launcher.EnsureStartedAsync(CancellationToken.None));

        Assert.Equal(ErrorCodes.DaemonUnavailable, error.Code);
        Assert.Contains("exited with code 3", error.Message);
        Assert.Contains(state.PathOf("daemon.log"), error.Message);
        Assert.Contains("daemon: cannot open the state directory", File.ReadAllText(state.PathOf("daemon.log")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(state.PathOf("daemon.log")));
    }
}
