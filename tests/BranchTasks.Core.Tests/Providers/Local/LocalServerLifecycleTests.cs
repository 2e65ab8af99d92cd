using System.Net;
using System.Net.Sockets;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.State;
using MySqlConnector;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Providers.Local;

/// <summary>Tests that need a server of their own, because they stop it or break its start.</summary>
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class LocalServerLifecycleTests : IDisposable
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
    public async Task Stop_and_start_again_keeps_the_data()
    {
        var server = new LocalServer(new StateDirectory(_root), new LocalSettings());
        try
        {
            var first = await server.EnsureRunningAsync(CancellationToken.None);
            await ExecuteAsync(first, "CREATE DATABASE kept; CREATE TABLE kept.t (id INT PRIMARY KEY); INSERT INTO kept.t VALUES (42);");

            Assert.True(await server.StopAsync(CancellationToken.None));
            Assert.Null(server.TryGetRunning());
            Assert.False(await server.StopAsync(CancellationToken.None));

            var second = await server.EnsureRunningAsync(CancellationToken.None);

            Assert.NotEqual(first.ProcessId, second.ProcessId);
            Assert.Equal(first.AdminPassword, second.AdminPassword);
            Assert.Equal(first.Port, second.Port);
            Assert.Equal(42, Convert.ToInt32(await ScalarAsync(second, "SELECT id FROM kept.t")));
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Concurrent_first_starts_share_one_server()
    {
        var servers = Enumerable.Range(0, 3).Select(_ => new LocalServer(new StateDirectory(_root), new LocalSettings())).ToList();
        try
        {
            var endpoints = await Task.WhenAll(servers.Select(s => s.EnsureRunningAsync(CancellationToken.None)));

            Assert.Single(endpoints.Select(e => (e.ProcessId, e.Port, e.AdminPassword)).Distinct());
        }
        finally
        {
            await servers[0].StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_configured_port_that_is_taken_is_a_clear_error()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        var server = new LocalServer(new StateDirectory(_root), new LocalSettings { Port = port });

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => server.EnsureRunningAsync(CancellationToken.None));

        Assert.Equal(ErrorCodes.PortInUse, error.Code);
        Assert.Contains(port.ToString(), error.Message);
        Assert.Contains("local.port", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "local", "data")), "the port is checked before anything is initialised");
    }

    [Fact]
    public async Task A_configured_port_other_than_the_running_servers_is_refused_and_the_server_left_running()
    {
        var state = new StateDirectory(_root);
        var running = new LocalServer(state, new LocalSettings());
        try
        {
            var before = await running.EnsureRunningAsync(CancellationToken.None);
            var otherPort = LoopbackPorts.PickFree();
            var repository = new LocalServer(state, new LocalSettings { Port = otherPort });

            var error = await Assert.ThrowsAsync<BranchTasksException>(() => repository.EnsureRunningAsync(CancellationToken.None));

            Assert.Equal(ErrorCodes.ServerPortMismatch, error.Code);
            Assert.Contains($"local.port in branchtasks.json is {otherPort}", error.Message);
            Assert.Contains($"running on port {before.Port}", error.Message);
            Assert.Contains("branchtasks server stop", error.Message);

            // Untouched: same process, same port, still answering.
            var after = await running.EnsureRunningAsync(CancellationToken.None);
            Assert.Equal(before.ProcessId, after.ProcessId);
            Assert.Equal(before.Port, after.Port);

            // The same port configured is no mismatch; after a stop, the configured port applies.
            Assert.Equal(before.ProcessId, (await new LocalServer(state, new LocalSettings { Port = before.Port }).EnsureRunningAsync(CancellationToken.None)).ProcessId);
            Assert.True(await running.StopAsync(CancellationToken.None));
            Assert.Equal(otherPort, (await repository.EnsureRunningAsync(CancellationToken.None)).Port);
        }
        finally
        {
            await running.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Missing_server_binaries_name_what_was_searched_and_how_to_install()
    {
        var locator = new ServerBinaryLocator(null, string.Empty, [], windows: false);

        var error = Assert.Throws<BranchTasksException>(() => locator.Locate());

        Assert.Equal(ErrorCodes.ServerBinariesNotFound, error.Code);
        Assert.Contains("sudo apt install mariadb-server", error.Message);
        Assert.Contains("brew install mariadb", error.Message);
        Assert.Contains("local.serverPath", error.Message);
    }

    [Fact]
    public void Missing_server_binaries_list_the_folders_searched()
    {
        var empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);
        var locator = new ServerBinaryLocator(null, empty, [Path.Combine(_root, "nowhere")], windows: false);

        var error = Assert.Throws<BranchTasksException>(() => locator.Locate());

        Assert.Contains(empty, error.Message);
        Assert.Contains(Path.Combine(_root, "nowhere"), error.Message);
    }

    [Fact]
    public async Task Missing_binaries_fail_ensure_running_before_anything_is_written_to_data()
    {
        var server = new LocalServer(new StateDirectory(_root), new LocalSettings(), new ServerBinaryLocator(null, string.Empty, [], windows: false));

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => server.EnsureRunningAsync(CancellationToken.None));

        Assert.Equal(ErrorCodes.ServerBinariesNotFound, error.Code);
        Assert.False(Directory.Exists(Path.Combine(_root, "local", "data")));
    }

    [Fact]
    public void A_configured_server_path_that_does_not_exist_names_the_path_and_the_key()
    {
        var missing = Path.Combine(_root, "no", "mariadbd");
        var locator = new ServerBinaryLocator(missing, Environment.GetEnvironmentVariable("PATH"), ServerBinaryLocator.DefaultCandidateFolders(), windows: false);

        var error = Assert.Throws<BranchTasksException>(() => locator.Locate());

        Assert.Equal(ErrorCodes.ServerBinariesNotFound, error.Code);
        Assert.Contains(missing, error.Message);
        Assert.Contains("local.serverPath", error.Message);
    }

    [Fact]
    public void The_machine_search_prefers_mariadbd_and_finds_its_install_tool()
    {
        var binaries = ServerBinaryLocator.ForCurrentMachine(new LocalSettings()).Locate();

        Assert.Equal("mariadbd", Path.GetFileName(binaries.ServerPath));
        Assert.Equal(ServerFlavor.MariaDb, binaries.Flavor);
        Assert.NotNull(binaries.InstallToolPath);
    }

    private static async Task ExecuteAsync(LocalServerEndpoint endpoint, string sql)
    {
        await using var connection = await endpoint.OpenAdminConnectionAsync(CancellationToken.None);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(LocalServerEndpoint endpoint, string sql)
    {
        await using var connection = await endpoint.OpenAdminConnectionAsync(CancellationToken.None);
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
