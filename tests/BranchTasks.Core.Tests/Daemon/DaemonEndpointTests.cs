using System.Text;
using BranchTasks.Core.Daemon;

namespace BranchTasks.Core.Tests.Daemon;

public sealed class DaemonEndpointTests
{
    [Fact]
    public void Lives_in_the_state_directory_when_the_path_fits_a_unix_socket()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Assert.Equal("/tmp/bt/daemon.sock", DaemonEndpoint.PipeName("/tmp/bt"));
    }

    [Fact]
    public void Falls_back_to_a_short_distinct_path_for_deep_state_directories()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var deep1 = "/tmp/" + new string('a', 120);
        var deep2 = "/tmp/" + new string('b', 120);
        var path1 = DaemonEndpoint.PipeName(deep1);
        Assert.True(Encoding.UTF8.GetByteCount(path1) <= 100, path1);
        Assert.NotEqual(path1, DaemonEndpoint.PipeName(deep2));
        Assert.Equal(path1, DaemonEndpoint.PipeName(deep1));
    }

    [Fact]
    public async Task The_client_answers_null_quickly_when_no_daemon_listens()
    {
        var home = Directory.CreateTempSubdirectory("bt-nodaemon-").FullName;
        try
        {
            var response = await DaemonClient.TrySendAsync(home, new DaemonRequest { Op = DaemonOps.Ping }, TimeSpan.FromMilliseconds(200), CancellationToken.None);
            Assert.Null(response);
            Assert.Null(DaemonClient.TrySend(home, new DaemonRequest { Op = DaemonOps.Ping }, TimeSpan.FromMilliseconds(200)));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task A_daemon_answers_ping_and_status_and_stops_when_asked()
    {
        var home = Directory.CreateTempSubdirectory("bt-daemon-").FullName;
        try
        {
            var server = new DaemonServer(new BranchTasks.Core.State.StateDirectory(home), TimeSpan.FromMinutes(5));
            var running = server.RunAsync(CancellationToken.None);
            DaemonResponse? pong = null;
            for (var i = 0; i < 100 && pong is null; i++)
            {
                pong = await DaemonClient.TrySendAsync(home, new DaemonRequest { Op = DaemonOps.Ping }, TimeSpan.FromMilliseconds(200), CancellationToken.None);
                if (pong is null)
                {
                    await Task.Delay(50);
                }
            }

            Assert.True(pong?.Ok);
            var second = new DaemonServer(new BranchTasks.Core.State.StateDirectory(home), TimeSpan.FromMinutes(5));
            Assert.False(await second.RunAsync(CancellationToken.None));

            var status = await DaemonClient.TrySendAsync(home, new DaemonRequest { Op = DaemonOps.Status }, TimeSpan.FromSeconds(1), CancellationToken.None);
            Assert.Equal(Environment.ProcessId, status!.Status!.ProcessId);
            Assert.Empty(status.Status.Tunnels);

            var unknown = await DaemonClient.TrySendAsync(home, new DaemonRequest { Op = "frobnicate" }, TimeSpan.FromSeconds(1), CancellationToken.None);
            Assert.False(unknown!.Ok);
            Assert.Equal("BT0002", unknown.Error!.Code);

            // The blocking client (the MSBuild task's) gets the same answers.
            Assert.Equal(Environment.ProcessId, DaemonClient.TrySend(home, new DaemonRequest { Op = DaemonOps.Status }, TimeSpan.FromSeconds(1))!.Status!.ProcessId);
            var blockingUnknown = DaemonClient.TrySend(home, new DaemonRequest { Op = "frobnicate" }, TimeSpan.FromSeconds(1));
            Assert.Equal("BT0002", blockingUnknown!.Error!.Code);

            await DaemonClient.TrySendAsync(home, new DaemonRequest { Op = DaemonOps.Shutdown }, TimeSpan.FromSeconds(1), CancellationToken.None);
            Assert.True(await running.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.False(File.Exists(Path.Combine(home, "daemon.pid")));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task An_idle_daemon_exits_by_itself()
    {
        var home = Directory.CreateTempSubdirectory("bt-idle-").FullName;
        try
        {
            var server = new DaemonServer(new BranchTasks.Core.State.StateDirectory(home), TimeSpan.FromMilliseconds(500));
            Assert.True(await server.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Contains("idle", File.ReadAllText(Path.Combine(home, "daemon.log")));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
