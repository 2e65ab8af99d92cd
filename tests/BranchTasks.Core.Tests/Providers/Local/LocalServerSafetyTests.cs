using System.Diagnostics;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.State;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Providers.Local;

[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class LocalServerSafetyTests : IDisposable
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
    public async Task A_recorded_pid_that_now_belongs_to_another_process_is_neither_used_nor_killed()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var stranger = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var state = new StateDirectory(_root);
            state.EnsureDirectory("local");
            new LocalServerState(stranger.Id, 3306, "10.11", Path.Combine(_root, "local", "data"), "/usr/sbin/mariadbd", Provisioned: true)
                .Write(Path.Combine(_root, "local", "server.json"));
            LocalServerCredentials.Generate().Write(Path.Combine(_root, "local", "credentials.json"));
            var server = new LocalServer(state, new LocalSettings());

            Assert.Null(server.TryGetRunning());
            Assert.False(await server.StopAsync(CancellationToken.None));
            Assert.False(stranger.HasExited);
        }
        finally
        {
            stranger.Kill();
        }
    }
}
