using BranchTasks.Core.Daemon;
using BranchTasks.Core.State;

namespace BranchTasks.Core.Tests.Daemon;

/// <summary>A daemon run in-process on a state directory, answering pings before the test goes on.</summary>
internal sealed class RunningDaemon : IAsyncDisposable
{
    private readonly DaemonServer _server;

    private RunningDaemon(string home, DaemonServer server, Task<bool> running)
    {
        Home = home;
        _server = server;
        Running = running;
    }

    public string Home { get; }

    public Task<bool> Running { get; }

    public string Socket => DaemonEndpoint.PipeName(Home);

    public string Log => File.ReadAllText(Path.Combine(Home, "daemon.log"));

    public static async Task<RunningDaemon> StartAsync(string home, TimeSpan? requestReadTimeout = null)
    {
        var server = new DaemonServer(new StateDirectory(home), TimeSpan.FromMinutes(5)) { RequestReadTimeout = requestReadTimeout ?? TimeSpan.FromSeconds(30) };
        var daemon = new RunningDaemon(home, server, server.RunAsync(CancellationToken.None));
        for (var i = 0; i < 200; i++)
        {
            if (await daemon.PingAsync())
            {
                return daemon;
            }

            Assert.False(daemon.Running.IsCompleted, "The daemon stopped while starting.");
            await Task.Delay(50);
        }

        throw new TimeoutException("The daemon did not answer a ping within 10 s.");
    }

    public async Task<bool> PingAsync()
    {
        var pong = await DaemonClient.TrySendAsync(Home, new DaemonRequest { Op = DaemonOps.Ping }, TimeSpan.FromMilliseconds(500), CancellationToken.None);
        return pong?.Ok == true;
    }

    public async ValueTask DisposeAsync()
    {
        _server.RequestShutdown();
        await Running.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
