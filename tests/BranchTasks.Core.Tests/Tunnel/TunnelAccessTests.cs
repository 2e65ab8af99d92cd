using System.Diagnostics;
using System.Net.Sockets;
using BranchTasks.Core.Platform;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.Tunnel;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>Who may use a tunnel, and what a peer that has not logged in can cost it: tried with real clients, a real server and another OS user.</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class TunnelAccessTests(PrivateServerFixture fixture)
{
    /// <summary>Without a database: the shared app account (it may log in, nothing more). With one: the tests' project account.</summary>
    private UpstreamEndpoint App(string database = "") =>
        database.Length == 0
            ? new(fixture.Endpoint.Host, fixture.Endpoint.Port, fixture.Endpoint.AppUser, fixture.Endpoint.AppPassword, database)
            : new(fixture.Endpoint.Host, fixture.Endpoint.Port, Account.User, Account.Password, database);

    private AppAccount Account => AppAccountPolicy.ForLocal(fixture.Endpoint.AccountSecret).AccountFor("_branchtasks", "tunnel-access-tests");

    /// <summary>A fresh database the tests' project account may use, as a branch database would be.</summary>
    private async Task<string> NewDatabaseAsync(string prefix)
    {
        var database = PrivateServerFixture.UniqueName(prefix);
        await fixture.ExecuteAsync($"CREATE DATABASE {database}");
        await using var admin = await fixture.OpenAdminAsync();
        await AppAccounts.GrantAsync(admin, Account, database, CancellationToken.None);
        return database;
    }

    private static string Local(TunnelListener tunnel, string? extra = null) =>
        $"Server=127.0.0.1;Port={tunnel.Port};User ID=app;SslMode=None;Pooling=false;{extra}";

    [Fact]
    public async Task Another_os_user_is_refused_with_an_error_that_says_why_while_the_owner_gets_in()
    {
        var lines = new List<string>();
        await using var tunnel = TunnelListener.Start(App(), preferredPort: null, new TunnelOptions { Log = line => { lock (lines) { lines.Add(line); } } });

        var stranger = await OtherUser.QueryAsync(tunnel.Port, "SELECT CURRENT_USER()");
        Assert.NotEqual(0, stranger.ExitCode);
        Assert.Contains("BT0505", stranger.Combined);
        Assert.Contains("another user (65534)", stranger.Combined);
        Assert.Equal(1, tunnel.RefusedConnections);
        lock (lines)
        {
            Assert.Contains(lines, l => l.Contains("refused a connection") && l.Contains("65534"));
        }

        await using var owner = new MySqlConnection(Local(tunnel));
        await owner.OpenAsync();
        await using var command = new MySqlCommand("SELECT CURRENT_USER()", owner);
        Assert.StartsWith(fixture.Endpoint.AppUser + "@", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Another_os_user_is_refused_in_token_mode_even_with_the_token()
    {
        const string token = "tunnel-token-for-the-test";
        await using var tunnel = TunnelListener.Start(App(), preferredPort: null, new TunnelOptions { LocalAuth = LocalAuthMode.Token, LocalPassword = token });

        // The stranger is handed the token here (on its command line, test only): identity still decides.
        var stranger = await OtherUser.QueryAsync(tunnel.Port, "SELECT 1", password: token);
        Assert.NotEqual(0, stranger.ExitCode);
        Assert.Contains("BT0505", stranger.Combined);

        await using var owner = new MySqlConnection(Local(tunnel, $"Password={token}"));
        await owner.OpenAsync();
    }

    [Fact]
    public async Task Where_the_platform_cannot_tell_the_user_only_token_mode_lets_a_connection_in()
    {
        var unknown = new Func<Socket, PeerOwner>(_ => PeerOwner.Unknown);
        await using (var plain = TunnelListener.Start(App(), preferredPort: null, new TunnelOptions { IdentifyPeer = unknown }))
        {
            await using var connection = new MySqlConnection(Local(plain));
            var error = await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync());
            Assert.Contains("BT0505", error.Message);
            Assert.Contains("localAuth", error.Message);
        }

        await using var token = TunnelListener.Start(App(), preferredPort: null, new TunnelOptions { IdentifyPeer = unknown, LocalAuth = LocalAuthMode.Token, LocalPassword = "t0ken" });
        await using (var wrong = new MySqlConnection(Local(token, "Password=nope")))
        {
            await Assert.ThrowsAsync<MySqlException>(() => wrong.OpenAsync());
        }

        await using var right = new MySqlConnection(Local(token, "Password=t0ken"));
        await right.OpenAsync();
    }

    [Fact]
    public async Task A_peer_that_never_sends_a_byte_is_dropped_at_the_deadline_and_holds_no_upstream_connection()
    {
        var database = await NewDatabaseAsync("silent");
        await using var tunnel = TunnelListener.Start(App(database), preferredPort: null, new TunnelOptions { LoginTimeout = TimeSpan.FromSeconds(1) });

        // One login first, so the tunnel knows the upstream's greeting.
        await using (var first = new MySqlConnection(Local(tunnel, $"Database={database}")))
        {
            await first.OpenAsync();
        }

        await TunnelProtocolTests.WaitUntil(() => tunnel.OpenConnections == 0);
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync("127.0.0.1", tunnel.Port);
        var watch = Stopwatch.StartNew();
        var buffer = new byte[1024];
        var received = 0;
        while (true)
        {
            // The greeting arrives at once; then nothing until the tunnel hangs up.
            var read = await silent.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            if (read == 0)
            {
                break;
            }

            received += read;
            Assert.Equal(0L, await UpstreamConnectionsAsync(database));
        }

        Assert.True(received > 0, "the peer got a greeting");
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"dropped after {watch.Elapsed}");
        Assert.Equal(0L, await UpstreamConnectionsAsync(database));
        await TunnelProtocolTests.WaitUntil(() => tunnel.OpenConnections == 0);
    }

    [Fact]
    public async Task Five_hundred_app_connections_at_once_all_get_in()
    {
        var database = await NewDatabaseAsync("many");
        await using var tunnel = TunnelListener.Start(App(database), preferredPort: null);
        var connections = new MySqlConnection[500];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, connections.Length), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, cancellationToken) =>
            {
                var connection = new MySqlConnection(Local(tunnel, $"Database={database};Connection Timeout=60"));
                await connection.OpenAsync(cancellationToken);
                connections[i] = connection;
            });

            Assert.Equal(500, tunnel.OpenConnections);
            Assert.Equal(500L, await UpstreamConnectionsAsync(database));
            foreach (var connection in connections.Where((_, i) => i % 50 == 0))
            {
                await using var command = new MySqlCommand("SELECT DATABASE()", connection);
                Assert.Equal(database, (string?)await command.ExecuteScalarAsync());
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }
        }

        await TunnelProtocolTests.WaitUntil(() => tunnel.OpenConnections == 0);
    }

    [Fact]
    public async Task One_connection_over_the_limit_is_refused_with_an_error_and_the_others_carry_on()
    {
        await using var tunnel = TunnelListener.Start(App(), preferredPort: null, new TunnelOptions { MaxConnections = 2 });
        await using var one = new MySqlConnection(Local(tunnel));
        await using var two = new MySqlConnection(Local(tunnel));
        await one.OpenAsync();
        await two.OpenAsync();

        await using (var three = new MySqlConnection(Local(tunnel)))
        {
            var error = await Assert.ThrowsAsync<MySqlException>(() => three.OpenAsync());
            Assert.Contains("BT0506", error.Message);
        }

        await using var command = new MySqlCommand("SELECT 1", one);
        Assert.Equal(1, Convert.ToInt32(await command.ExecuteScalarAsync()));
        await two.CloseAsync();
        await TunnelProtocolTests.WaitUntil(() => tunnel.OpenConnections == 1);
        await using var four = new MySqlConnection(Local(tunnel));
        await four.OpenAsync();
    }

    [Fact]
    public async Task Cancelling_a_query_reaches_the_upstream_connection_behind_the_tunnel_id()
    {
        await using var tunnel = TunnelListener.Start(App(), preferredPort: null);
        await using (var warm = new MySqlConnection(Local(tunnel)))
        {
            await warm.OpenAsync();
        }

        await using var connection = new MySqlConnection(Local(tunnel));
        await connection.OpenAsync();
        Assert.True(connection.ServerThread >= 0x6000_0000, $"id {connection.ServerThread}");
        var watch = Stopwatch.StartNew();
        await using (var sleep = new MySqlCommand("SELECT SLEEP(20)", connection) { CommandTimeout = 1 })
        {
            var error = await Assert.ThrowsAsync<MySqlException>(() => sleep.ExecuteScalarAsync());
            Assert.Equal(MySqlErrorCode.CommandTimeoutExpired, error.ErrorCode);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"cancelled after {watch.Elapsed}");
        await using var after = new MySqlCommand("SELECT 7", connection);
        Assert.Equal(7, Convert.ToInt32(await after.ExecuteScalarAsync()));

        // The mariadb CLI's KILL by the id it was greeted with works the same way.
        await using var victim = new MySqlConnection(Local(tunnel));
        await victim.OpenAsync();
        var running = new MySqlCommand("SELECT SLEEP(20)", victim).ExecuteScalarAsync();
        await Task.Delay(300);
        await using (var killer = new MySqlConnection(Local(tunnel)))
        {
            await killer.OpenAsync();
            await using var kill = new MySqlCommand($"KILL QUERY {victim.ServerThread}", killer);
            await kill.ExecuteNonQueryAsync();
        }

        try
        {
            // SLEEP() interrupted by KILL QUERY returns 1 (MariaDB), or the query fails as interrupted.
            Assert.Equal(1L, Convert.ToInt64(await running.WaitAsync(TimeSpan.FromSeconds(10))));
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.QueryInterrupted)
        {
        }
    }

    private async Task<long> UpstreamConnectionsAsync(string database) =>
        Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '{database}'"));
}
