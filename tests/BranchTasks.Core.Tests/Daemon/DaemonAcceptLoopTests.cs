using BranchTasks.Core.Daemon;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Tests.Daemon;

public sealed class DaemonAcceptLoopTests
{
    [Fact]
    public async Task Back_to_back_requests_always_find_the_daemon_listening()
    {
        var home = Path.Combine(Path.GetTempPath(), "bt-accept-" + Guid.NewGuid().ToString("N")[..8]);
        var server = new DaemonServer(new StateDirectory(home), TimeSpan.FromMinutes(5));
        var running = server.RunAsync(CancellationToken.None);
        try
        {
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
            var missed = 0;
            for (var i = 0; i < 300; i++)
            {
                if (await DaemonClient.TrySendAsync(home, new DaemonRequest { Op = DaemonOps.Ping }, TimeSpan.FromSeconds(1), CancellationToken.None) is not { Ok: true })
                {
                    missed++;
                }
            }

            Assert.Equal(0, missed);
        }
        finally
        {
            server.RequestShutdown();
            await running.WaitAsync(TimeSpan.FromSeconds(20));
            Directory.Delete(home, recursive: true);
        }
    }
}
