using System.Diagnostics;
using System.Net.Sockets;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;
using BranchTasks.Core.Tunnel.Protocol;
using BranchTasks.Core.Tunnel.Protocol.Auth;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>Real MySQL clients through the tunnel to the private server, as users of each auth plugin, with and without upstream TLS.</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class TunnelProtocolTests(PrivateServerFixture fixture)
{
    private const string UserPassword = "Tunnel-Secret-42";
    private static readonly SemaphoreSlim UsersGate = new(1, 1);
    private static bool UsersMade;

    /// <summary>Without a database: the shared app account (it may log in, nothing more). With one: a project's app account, granted it by <see cref="NewDatabaseAsync"/>.</summary>
    private UpstreamEndpoint App(string database = "") =>
        database.Length == 0
            ? new(fixture.Endpoint.Host, fixture.Endpoint.Port, fixture.Endpoint.AppUser, fixture.Endpoint.AppPassword, database)
            : new(fixture.Endpoint.Host, fixture.Endpoint.Port, Account.User, Account.Password, database);

    private AppAccount Account => AppAccountPolicy.ForLocal(fixture.Endpoint.AccountSecret).AccountFor("_branchtasks", "tunnel-protocol-tests");

    private static string Local(TunnelListener tunnel, string database = "", string user = "someone", string? extra = null) =>
        $"Server=127.0.0.1;Port={tunnel.Port};User ID={user};Database={database};SslMode=None;Pooling=false;{extra}";

    /// <summary>One user per auth plugin MariaDB has: mysql_native_password and ed25519.</summary>
    private async Task EnsureUsersAsync()
    {
        await UsersGate.WaitAsync();
        try
        {
            if (UsersMade)
            {
                return;
            }

            try
            {
                await fixture.ExecuteAsync("INSTALL SONAME 'auth_ed25519'");
            }
            catch (MySqlException e) when (e.Message.Contains("exists", StringComparison.OrdinalIgnoreCase))
            {
            }

            await fixture.ExecuteAsync($"""
                CREATE OR REPLACE USER 'bt_native'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('{UserPassword}');
                GRANT ALL PRIVILEGES ON *.* TO 'bt_native'@'127.0.0.1';
                CREATE OR REPLACE USER 'bt_ed25519'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD('{UserPassword}');
                GRANT ALL PRIVILEGES ON *.* TO 'bt_ed25519'@'127.0.0.1';
                SET GLOBAL max_allowed_packet = 128 * 1024 * 1024;
                SET GLOBAL local_infile = 1;
                """);
            UsersMade = true;
        }
        finally
        {
            UsersGate.Release();
        }
    }

    private async Task<string> NewDatabaseAsync()
    {
        var database = PrivateServerFixture.UniqueName("tun");
        await fixture.ExecuteAsync($"CREATE DATABASE {database}");
        await using var admin = await fixture.OpenAdminAsync();
        await AppAccounts.GrantAsync(admin, Account, database, CancellationToken.None);
        return database;
    }

    [Fact]
    public async Task Idle_tunnels_close_but_never_while_a_connection_is_open_and_reopen_on_their_port()
    {
        var home = Directory.CreateTempSubdirectory("bt-idle-tunnels-").FullName;
        try
        {
            await using var tunnels = new TunnelManager(new TunnelPortStore(new StateDirectory(home)));
            var key = new TunnelKey("local", $"{fixture.Endpoint.Host}:{fixture.Endpoint.Port}", "idle_test");
            var first = tunnels.GetOrStart(key, "idle-test", UpstreamLease.Fixed(App()), "/repo");
            await using (var connection = new MySqlConnection(Local(first.Listener)))
            {
                await connection.OpenAsync();
                Assert.Equal(0, await tunnels.CloseIdleAsync(TimeSpan.Zero));
                Assert.Equal(1, tunnels.Count);
            }

            MySqlConnection.ClearAllPools();
            for (var i = 0; i < 100 && first.Listener.OpenConnections > 0; i++)
            {
                await Task.Delay(20);
            }

            Assert.Equal(0, await tunnels.CloseIdleAsync(TimeSpan.FromMinutes(5)));
            Assert.Equal(1, await tunnels.CloseIdleAsync(TimeSpan.Zero));
            Assert.Equal(0, tunnels.Count);

            var reopened = tunnels.GetOrStart(key, "idle-test", UpstreamLease.Fixed(App()), "/repo");
            Assert.Equal(first.Listener.Port, reopened.Listener.Port);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Shows_the_upstream_version_and_logs_in_with_the_daemon_credentials_over_tls()
    {
        await using var tunnel = TunnelListener.Start(App(), preferredPort: null);
        await using var connection = new MySqlConnection(Local(tunnel));
        await connection.OpenAsync();

        await using (var direct = await fixture.OpenAdminAsync())
        {
            Assert.Equal(direct.ServerVersion, connection.ServerVersion);
        }

        await using var command = new MySqlCommand("SELECT CONNECTION_ID(), CURRENT_USER(), VARIABLES.VARIABLE_VALUE FROM information_schema.SESSION_STATUS VARIABLES WHERE VARIABLE_NAME = 'Ssl_cipher'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        // The greeting comes before the upstream is dialled, so the app sees an id of the tunnel's own.
        Assert.True(connection.ServerThread >= 0x6000_0000, $"id {connection.ServerThread}");
        Assert.NotEqual(connection.ServerThread, Convert.ToInt32(reader.GetValue(0)));
        Assert.StartsWith(fixture.Endpoint.AppUser + "@", reader.GetString(1));
        Assert.NotEqual("", reader.GetString(2));
        Assert.True(tunnel.UpstreamTls);
    }

    [Fact]
    public async Task The_app_account_needs_its_password_directly_but_not_through_the_tunnel()
    {
        var direct = fixture.Endpoint.CreateAppConnectionString();
        direct.Password = "";
        direct.Pooling = false;
        await using (var connection = new MySqlConnection(direct.ConnectionString))
        {
            var error = await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync());
            Assert.Contains("Access denied", error.Message);
        }

        await using var tunnel = TunnelListener.Start(App(), preferredPort: null);
        await using var through = new MySqlConnection(Local(tunnel, user: fixture.Endpoint.AppUser));
        await through.OpenAsync();
    }

    [Fact]
    public async Task Upstream_login_errors_reach_the_app_as_a_clear_error()
    {
        var wrong = App() with { Password = "wrong" };
        await using var tunnel = TunnelListener.Start(wrong, preferredPort: null);
        await using var connection = new MySqlConnection(Local(tunnel));

        var error = await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync());

        Assert.Contains("BranchTasks tunnel: logging in to", error.Message);
        Assert.Contains("Access denied", error.Message);
        Assert.NotNull(tunnel.LastLoginError);
    }

    public static TheoryData<string, bool> Plugins => new()
    {
        { "bt_native", true },
        { "bt_native", false },
        { "bt_ed25519", true },
        { "bt_ed25519", false },
    };

    [Theory]
    [MemberData(nameof(Plugins))]
    public async Task MySqlConnector_works_through_the_tunnel(string user, bool upstreamTls)
    {
        await EnsureUsersAsync();
        var database = await NewDatabaseAsync();
        var other = await NewDatabaseAsync();
        var endpoint = new UpstreamEndpoint(fixture.Endpoint.Host, fixture.Endpoint.Port, user, UserPassword, database);
        await using var tunnel = TunnelListener.Start(endpoint, preferredPort: null, new TunnelOptions { UpstreamTls = upstreamTls });
        var pooled = Local(tunnel, database, extra: "Pooling=true;ConnectionReset=true;AllowLoadLocalInfile=true;IgnorePrepare=false;AllowUserVariables=true");

        await using (var connection = new MySqlConnection(pooled))
        {
            await connection.OpenAsync();
            await Execute(connection, "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50), data LONGBLOB)");
            Assert.StartsWith(user + "@", (string?)await Scalar(connection, "SELECT CURRENT_USER()"));

            // Prepared statements.
            await using (var insert = new MySqlCommand("INSERT INTO items (id, name) VALUES (@id, @name)", connection))
            {
                insert.Parameters.AddWithValue("@id", 1);
                insert.Parameters.AddWithValue("@name", "one");
                await insert.PrepareAsync();
                await insert.ExecuteNonQueryAsync();
                insert.Parameters["@id"].Value = 2;
                insert.Parameters["@name"].Value = "two";
                await insert.ExecuteNonQueryAsync();
            }

            // A transaction rolled back, one committed.
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await Execute(connection, "INSERT INTO items (id, name) VALUES (3, 'three')", transaction);
                await transaction.RollbackAsync();
            }

            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await Execute(connection, "INSERT INTO items (id, name) VALUES (4, 'four')", transaction);
                await transaction.CommitAsync();
            }

            Assert.Equal(3L, Convert.ToInt64(await Scalar(connection, "SELECT COUNT(*) FROM items")));

            // Multi-statements.
            await using (var multi = new MySqlCommand("SELECT 1; SELECT 2", connection))
            await using (var reader = await multi.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                Assert.True(await reader.NextResultAsync());
                Assert.True(await reader.ReadAsync());
                Assert.Equal(2, Convert.ToInt32(reader.GetValue(0)));
            }

            // LOAD DATA LOCAL INFILE.
            var file = Path.GetTempFileName();
            try
            {
                await File.WriteAllLinesAsync(file, Enumerable.Range(100, 500).Select(i => $"{i}\tloaded{i}"));
                var loader = new MySqlBulkLoader(connection) { FileName = file, TableName = "items", Local = true, FieldTerminator = "\t", LineTerminator = "\n" };
                loader.Columns.AddRange(["id", "name"]);
                Assert.Equal(500, await loader.LoadAsync());
            }
            finally
            {
                File.Delete(file);
            }

            // ChangeDatabase.
            await connection.ChangeDatabaseAsync(other);
            Assert.Equal(other, (string?)await Scalar(connection, "SELECT DATABASE()"));
            await connection.ChangeDatabaseAsync(database);

            // Cancellation of a running query: MySqlConnector sends KILL QUERY <server thread> on a second connection.
            var watch = Stopwatch.StartNew();
            await using (var sleep = new MySqlCommand("SELECT SLEEP(10)", connection) { CommandTimeout = 1 })
            {
                var error = await Assert.ThrowsAsync<MySqlException>(() => sleep.ExecuteScalarAsync());
                Assert.Equal(MySqlErrorCode.CommandTimeoutExpired, error.ErrorCode);
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"cancelled after {watch.Elapsed}");
            Assert.Equal(3L + 500, Convert.ToInt64(await Scalar(connection, "SELECT COUNT(*) FROM items")));
        }

        // Pooling with connection reset: the pooled connection comes back reset, still logged in upstream.
        await using (var again = new MySqlConnection(pooled))
        {
            await again.OpenAsync();
            Assert.Equal(database, (string?)await Scalar(again, "SELECT DATABASE()"));
            Assert.StartsWith(user + "@", (string?)await Scalar(again, "SELECT CURRENT_USER()"));
        }

        MySqlConnection.ClearAllPools();
        Assert.True(tunnel.UpstreamTls == upstreamTls);
        Assert.True(tunnel.BytesToServer > 0 && tunnel.BytesToClient > 0);
    }

    [Fact]
    public async Task A_32_MiB_blob_round_trips()
    {
        await EnsureUsersAsync();
        var database = await NewDatabaseAsync();
        await using var tunnel = TunnelListener.Start(App(database), preferredPort: null);
        await using var connection = new MySqlConnection(Local(tunnel, database));
        await connection.OpenAsync();
        await Execute(connection, "CREATE TABLE blobs (id INT PRIMARY KEY, data LONGBLOB)");
        var blob = new byte[32 * 1024 * 1024 + 17];
        Random.Shared.NextBytes(blob);
        await using (var insert = new MySqlCommand("INSERT INTO blobs VALUES (1, @data)", connection))
        {
            insert.Parameters.AddWithValue("@data", blob);
            await insert.ExecuteNonQueryAsync();
        }

        var back = (byte[]?)await Scalar(connection, "SELECT data FROM blobs WHERE id = 1");
        Assert.True(blob.AsSpan().SequenceEqual(back));
    }

    [Fact]
    public async Task The_mariadb_client_works_through_the_tunnel_without_a_password()
    {
        var database = await NewDatabaseAsync();
        await using var tunnel = TunnelListener.Start(App(database), preferredPort: null);
        var result = await ProcessRunner.RunAsync("mariadb", ["--host=127.0.0.1", "--port=" + tunnel.Port, "--user=branchtasks_app", "--skip-ssl", "--batch", "--skip-column-names", "-e", "SELECT DATABASE(), CURRENT_USER(); CREATE TABLE t (x INT); INSERT INTO t VALUES (7); SELECT SUM(x) FROM t", database], Path.GetTempPath());
        Assert.True(result.ExitCode == 0, result.StandardError);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith(database + "\t" + Account.User + "@", lines[0]);
        Assert.Equal("7", lines[1]);
    }

    [Fact]
    public async Task Token_local_login_requires_the_tunnel_password()
    {
        await using var tunnel = TunnelListener.Start(App(), preferredPort: null, new TunnelOptions { LocalAuth = LocalAuthMode.Token, LocalPassword = "local-token-1" });
        await using (var without = new MySqlConnection(Local(tunnel)))
        {
            var error = await Assert.ThrowsAsync<MySqlException>(() => without.OpenAsync());
            Assert.Contains("localAuth", error.Message);
        }

        await using (var wrong = new MySqlConnection(Local(tunnel, extra: "Password=nope")))
        {
            await Assert.ThrowsAsync<MySqlException>(() => wrong.OpenAsync());
        }

        await using var right = new MySqlConnection(Local(tunnel, extra: "Password=local-token-1;Pooling=true;ConnectionReset=true"));
        await right.OpenAsync();
        Assert.Equal(1, Convert.ToInt32(await Scalar(right, "SELECT 1")));
    }

    [Fact]
    public async Task Com_change_user_logs_in_again_upstream_with_the_daemon_credentials()
    {
        var first = await NewDatabaseAsync();
        var second = await NewDatabaseAsync();
        await using var tunnel = TunnelListener.Start(App(first), preferredPort: null);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", tunnel.Port);
        await using var stream = new NetworkStream(socket);
        var reader = new PacketReader(stream, PacketFraming.MaxPacketLength);
        var handshake = InitialHandshakePayload.Parse(await reader.ReadPayloadAsync(default));
        var capabilities = CapabilityFlags.Protocol41 | CapabilityFlags.SecureConnection | CapabilityFlags.PluginAuth | CapabilityFlags.LongFlag | CapabilityFlags.Transactions;
        Assert.Equal(CapabilityFlags.None, handshake.Capabilities & (CapabilityFlags.Ssl | CapabilityFlags.Compress));
        var login = new HandshakeResponse41Payload { Capabilities = capabilities, CharacterSet = 45, User = "app", Database = first, AuthPluginName = NativePasswordPlugin.PluginName };
        await PacketWriter.WritePayloadAsync(stream, 1, login.Serialize(), default);
        Assert.Equal(OkPayload.Header, (await reader.ReadPayloadAsync(default))[0]);

        // Many times over, ending in the second database: the tunnel's two relay threads hand the exchange over
        // between them (the request goes up on one, the answer comes back on the other), over TLS upstream.
        byte[] reply = [];
        for (var i = 0; i < 300; i++)
        {
            var change = new ChangeUserPayload { User = "someone-else", Database = i % 2 == 0 ? first : second, CharacterSet = 45, AuthPluginName = NativePasswordPlugin.PluginName };
            await PacketWriter.WritePayloadAsync(stream, 0, change.Serialize(capabilities), default);
            reply = await reader.ReadPayloadAsync(default);
            Assert.True(reply[0] == OkPayload.Header, reply[0] == ErrorPayload.Header ? ErrorPayload.Parse(reply).Message : $"0x{reply[0]:X2}");
            Assert.Equal(1, reader.LastSequenceId);
        }

        Assert.True(tunnel.UpstreamTls);

        // The connection now works in the new database as the daemon's user.
        await PacketWriter.WritePayloadAsync(stream, 0, Query("CREATE TABLE changed (x INT)"), default);
        reply = await reader.ReadPayloadAsync(default);
        Assert.True(reply[0] == OkPayload.Header, reply[0] == ErrorPayload.Header ? ErrorPayload.Parse(reply).Message : $"0x{reply[0]:X2}");
        Assert.Equal(1L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{second}' AND TABLE_NAME = 'changed'")));

        // COM_QUIT closes both legs.
        await PacketWriter.WritePayloadAsync(stream, 0, new byte[] { 0x01 }, default);
        Assert.Equal(0, await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await WaitUntil(() => tunnel.OpenConnections == 0);
    }

    [Fact]
    public async Task Two_hundred_concurrent_connections_through_one_tunnel()
    {
        await using var tunnel = TunnelListener.Start(App(), preferredPort: null);
        var connections = Enumerable.Range(0, 200).Select(_ => new MySqlConnection(Local(tunnel, extra: "ConnectionTimeout=30"))).ToList();
        try
        {
            await Task.WhenAll(connections.Select(c => c.OpenAsync()));
            Assert.Equal(200, tunnel.OpenConnections);
            var results = await Task.WhenAll(connections.Select(async (c, i) => Convert.ToInt32(await Scalar(c, $"SELECT {i}"))));
            Assert.Equal(Enumerable.Range(0, 200), results);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        await WaitUntil(() => tunnel.OpenConnections == 0);
    }

    [Fact]
    public async Task A_client_leaving_mid_result_closes_the_upstream_leg()
    {
        var database = await NewDatabaseAsync();
        await using var tunnel = TunnelListener.Start(App(database), preferredPort: null);
        int thread;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync("127.0.0.1", tunnel.Port);
            await using var stream = new NetworkStream(socket);
            var reader = new PacketReader(stream, PacketFraming.MaxPacketLength);
            InitialHandshakePayload.Parse(await reader.ReadPayloadAsync(default));
            var capabilities = CapabilityFlags.Protocol41 | CapabilityFlags.SecureConnection | CapabilityFlags.PluginAuth;
            await PacketWriter.WritePayloadAsync(stream, 1, new HandshakeResponse41Payload { Capabilities = capabilities, CharacterSet = 45, User = "x", Database = database }.Serialize(), default);
            Assert.Equal(OkPayload.Header, (await reader.ReadPayloadAsync(default))[0]);

            // The greeting carries the tunnel's own id; the upstream connection is the only one on this fresh database.
            thread = Convert.ToInt32(await fixture.ScalarAsync($"SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{database}'"));
            Assert.True(await ProcessListContainsAsync(thread));

            // A big result the client stops reading after its first bytes.
            await PacketWriter.WritePayloadAsync(stream, 0, Query("SELECT REPEAT('x', 1000), seq FROM seq_1_to_1000000"), default);
            await stream.ReadExactlyAsync(new byte[1000]).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            socket.Close(0);
        }

        for (var i = 0; i < 200 && await ProcessListContainsAsync(thread); i++)
        {
            await Task.Delay(50);
        }

        Assert.False(await ProcessListContainsAsync(thread));
    }

    private static byte[] Query(string sql) => [0x03, .. System.Text.Encoding.UTF8.GetBytes(sql)];

    private async Task<bool> ProcessListContainsAsync(int thread) =>
        Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {thread}")) > 0;

    private static async Task Execute(MySqlConnection connection, string sql, MySqlTransaction? transaction = null)
    {
        await using var command = new MySqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}
