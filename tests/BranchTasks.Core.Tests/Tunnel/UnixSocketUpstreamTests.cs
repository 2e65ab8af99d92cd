using BranchTasks.Core.Platform;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>The local provider's tunnel reaches the private server over its Unix socket, without TLS, still logging in with the daemon's credentials.</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class UnixSocketUpstreamTests(PrivateServerFixture fixture)
{
    private BranchServer Server => LocalBranchProvider.ToBranchServer(fixture.Endpoint);

    private AppAccount Account => Server.Accounts!.AccountFor("_branchtasks", "unix-socket-tests");

    private async Task<UpstreamEndpoint> NewBranchAsync()
    {
        var database = PrivateServerFixture.UniqueName("sock");
        await fixture.ExecuteAsync($"CREATE DATABASE {database}");
        await using var admin = await fixture.OpenAdminAsync();
        await AppAccounts.GrantAsync(admin, Account, database, CancellationToken.None);
        return Server.UpstreamFor(database, Account);
    }

    private static string Local(TunnelListener tunnel, string database) =>
        $"Server=127.0.0.1;Port={tunnel.Port};User ID=app;Database={database};SslMode=None;Pooling=false";

    /// <summary>How the server sees the tunnel's session: its client host, its TLS cipher and the account it logged in as.</summary>
    private static async Task<(string Host, string Cipher, string User)> SessionAsync(TunnelListener tunnel, string database)
    {
        await using var connection = new MySqlConnection(Local(tunnel, database));
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT (SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()), " +
            "(SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'), CURRENT_USER()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1), reader.GetString(2));
    }

    [Fact]
    public void The_local_upstream_is_the_servers_socket_in_a_folder_only_this_user_can_enter()
    {
        var upstream = Server.UpstreamFor("any", Account);
        if (OperatingSystem.IsWindows())
        {
            // No Unix socket for the server there: TCP with TLS, as before.
            Assert.Null(upstream.UnixSocket);
            return;
        }

        var socket = new LocalServerLayout(fixture.State).SocketFile;
        Assert.Equal(socket, upstream.UnixSocket);
        Assert.Equal("unix:" + socket, upstream.Address);
        Assert.Equal(UnixFileKind.Socket, UnixInterop.LinkStatus(socket)?.Kind);

        // Every folder from the state root down to the socket is this user's and closed to others.
        for (var folder = Path.GetDirectoryName(socket)!; ; folder = Path.GetDirectoryName(folder)!)
        {
            var status = UnixInterop.LinkStatus(folder);
            Assert.True(status is { Kind: UnixFileKind.Directory, OpenToOthers: false } && status.Value.Owner == UnixInterop.EffectiveUserId(), $"{folder} is not this user's alone: {status}");
            if (folder == fixture.StateRoot)
            {
                break;
            }
        }
    }

    [Fact]
    public async Task The_tunnel_logs_in_over_the_socket_without_tls_and_status_says_so()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var upstream = await NewBranchAsync();
        var home = Directory.CreateTempSubdirectory("bt-unix-upstream-").FullName;
        try
        {
            await using var tunnels = new TunnelManager(new TunnelPortStore(new StateDirectory(home)));
            var entry = tunnels.GetOrStart(new TunnelKey("local", "test", upstream.Database), "main", UpstreamLease.Fixed(upstream), "/repo");

            // MariaDB names every client of its Unix socket 'localhost' (a TCP client: 127.0.0.1:port); the login is the project's app account.
            var session = await SessionAsync(entry.Listener, upstream.Database);
            Assert.Equal("localhost", session.Host);
            Assert.Equal("", session.Cipher);
            Assert.Equal($"{Account.User}@localhost", session.User);

            var status = Assert.Single(tunnels.Snapshot());
            Assert.Equal(upstream.UnixSocket, status.UpstreamSocket);
            Assert.Equal("unix", status.UpstreamTransport);
            Assert.False(status.UpstreamTls);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task With_nothing_listening_on_the_tcp_port_the_tunnel_still_works_through_the_socket()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var upstream = await NewBranchAsync();
        var closedPort = LoopbackPorts.PickFree();
        await using var tunnel = TunnelListener.Start(upstream with { Port = closedPort }, preferredPort: null);

        var session = await SessionAsync(tunnel, upstream.Database);

        Assert.Equal("localhost", session.Host);
        Assert.Equal("unix", tunnel.UpstreamTransport);
    }

    [Fact]
    public async Task Large_packets_and_prepared_statements_cross_the_socket_intact()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var upstream = await NewBranchAsync();
        await fixture.ExecuteAsync("SET GLOBAL max_allowed_packet = 128 * 1024 * 1024");
        await using var tunnel = TunnelListener.Start(upstream, preferredPort: null);
        await using var connection = new MySqlConnection(Local(tunnel, upstream.Database) + ";IgnorePrepare=false");
        await connection.OpenAsync();
        await using (var create = new MySqlCommand("CREATE TABLE blobs (id INT PRIMARY KEY, data LONGBLOB)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        // Larger than one MySQL packet (16 MiB) and than any socket buffer, so both directions split and reassemble it.
        var blob = new byte[(16 * 1024 * 1024) + 4099];
        Random.Shared.NextBytes(blob);
        await using (var insert = new MySqlCommand("INSERT INTO blobs VALUES (@id, @data)", connection))
        {
            insert.Parameters.AddWithValue("@id", 1);
            insert.Parameters.AddWithValue("@data", blob);
            await insert.PrepareAsync();
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = new MySqlCommand("SELECT data FROM blobs WHERE id = 1", connection);
        Assert.Equal(blob, (byte[])(await select.ExecuteScalarAsync())!);
        Assert.Equal("unix", tunnel.UpstreamTransport);
    }

    [Fact]
    public async Task When_the_socket_is_gone_the_tunnel_falls_back_to_tcp_with_tls()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var upstream = await NewBranchAsync();
        var missing = Path.Combine(fixture.StateRoot, "no-such.sock");
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var tunnel = TunnelListener.Start(upstream with { UnixSocket = missing }, preferredPort: null, new TunnelOptions { Log = log.Enqueue });

        var session = await SessionAsync(tunnel, upstream.Database);

        Assert.StartsWith("127.0.0.1:", session.Host);
        Assert.NotEqual("", session.Cipher);
        Assert.Equal($"{Account.User}@127.0.0.1", session.User);
        Assert.Equal("tcp", tunnel.UpstreamTransport);
        Assert.True(tunnel.UpstreamTls);
        Assert.Single(log, l => l.Contains($"socket {missing} did not answer", StringComparison.Ordinal));

        // Said once, not per connection.
        await SessionAsync(tunnel, upstream.Database);
        Assert.Single(log, l => l.Contains("did not answer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_revoked_branch_is_closed_to_the_socket_account_too()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var upstream = await NewBranchAsync();
        var grants = $"SELECT GROUP_CONCAT(Host ORDER BY Host) FROM mysql.db WHERE User = '{Account.User}' AND Db = '{upstream.Database.Replace("_", "\\\\_", StringComparison.Ordinal)}'";
        Assert.Equal("127.0.0.1,localhost", await fixture.ScalarAsync(grants));

        await using (var admin = await fixture.OpenAdminAsync())
        {
            await AppAccounts.RevokeAsync(admin, Account, upstream.Database, CancellationToken.None);
        }

        await using var tunnel = TunnelListener.Start(upstream, preferredPort: null);
        var refused = await Assert.ThrowsAsync<MySqlException>(() => SessionAsync(tunnel, upstream.Database));
        Assert.Contains("denied", refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(DBNull.Value, await fixture.ScalarAsync(grants));
    }
}
