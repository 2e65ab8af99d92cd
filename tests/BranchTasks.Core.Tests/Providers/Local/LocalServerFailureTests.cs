using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.State;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Providers.Local;

/// <summary>
/// A server installation that fails: stand-in scripts named like the real binaries, so the error paths
/// (a failing install tool, a server that dies at start) are exercised without breaking a real server.
/// </summary>
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class LocalServerFailureTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "bt-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task A_failing_install_tool_is_quoted_and_leaves_no_data_directory()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var bin = FakeInstallation(
            server: "exit 1",
            installTool: "mkdir -p \"${2#--datadir=}/junk\"; echo 'Installing MariaDB system tables' ; echo 'ERROR: disk says no' >&2; exit 3");
        var server = new LocalServer(new StateDirectory(Path.Combine(_root, "state")), new LocalSettings { ServerPath = bin });

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => server.EnsureRunningAsync(CancellationToken.None));

        Assert.Equal(ErrorCodes.ServerInitFailed, error.Code);
        Assert.Contains("ERROR: disk says no", error.Message);
        Assert.Contains("exited with code 3", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "state", "local", "data")));
    }

    [Fact]
    public async Task A_server_that_dies_at_start_is_reported_with_the_tail_of_its_log()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var bin = FakeInstallation(
            server: "echo '[ERROR] mariadbd: Can'\"'\"'t lock aria control file' >&2; exit 1",
            installTool: "mkdir -p \"${2#--datadir=}/mysql\"");
        var state = new StateDirectory(Path.Combine(_root, "state"));
        var server = new LocalServer(state, new LocalSettings { ServerPath = bin });

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => server.EnsureRunningAsync(CancellationToken.None));

        Assert.Equal(ErrorCodes.ServerStartFailed, error.Code);
        Assert.Contains("Can't lock aria control file", error.Message);
        Assert.Contains("server.log", error.Message);
        Assert.Null(server.TryGetRunning());
        Assert.Empty(Directory.GetFiles(server.Directory, "init-*.sql"));
    }

    private string FakeInstallation(string server, string installTool)
    {
        var bin = Path.Combine(_root, "mariadb", "bin");
        Directory.CreateDirectory(bin);
        WriteScript(Path.Combine(bin, "mariadbd"), server);
        WriteScript(Path.Combine(bin, "mariadb-install-db"), installTool);
        return Path.Combine(bin, "mariadbd");
    }

    private static void WriteScript(string path, string body)
    {
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
