using BranchTasks.Core.Daemon;
using BranchTasks.Core.State;

namespace BranchTasks.Configuration.Tests;

/// <summary>A real daemon hosted in the test process, with its own state directory and private server, stopped at the end.</summary>
public sealed class DaemonFixture : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private DaemonServer? _server;
    private Task? _run;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "bt-cfg-" + Guid.NewGuid().ToString("N")[..10]);

    public Task InitializeAsync()
    {
        // Private like a state directory must be: the daemon refuses one other users can enter (BT0503).
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Root);
        }
        else
        {
            Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _server = new DaemonServer(new StateDirectory(Root), TimeSpan.FromMinutes(30));
        _run = Task.Run(() => _server.RunAsync(_stop.Token));
        return WaitForDaemonAsync();
    }

    public Task<DaemonResponse?> SendAsync(DaemonRequest request) => DaemonClient.TrySendAsync(Root, request, TimeSpan.FromSeconds(2), CancellationToken.None);

    private async Task WaitForDaemonAsync()
    {
        for (var i = 0; i < 200; i++)
        {
            if (await SendAsync(new DaemonRequest { Op = DaemonOps.Ping }) is { Ok: true })
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("The in-process daemon did not start.");
    }

    public async Task DisposeAsync()
    {
        await SendAsync(new DaemonRequest { Op = DaemonOps.ServerStop });
        await SendAsync(new DaemonRequest { Op = DaemonOps.Shutdown });
        _server?.RequestShutdown();
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(30)));
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
