using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.Tunnel;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.Local;

/// <summary>What an app (or anyone who reaches a tunnel) can do on the private server: DDL and DML on its project's branches, nothing else.</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class LeastPrivilegeTests(PrivateServerFixture fixture)
{
    private readonly string _project = PrivateServerFixture.UniqueName("lp");

    private ServerBranchProvider Provider => LocalBranchProvider.Create(fixture.Endpoint, _project, TestOwners.Default);

    private BranchTarget Target(string branch, string? project = null) => new(branch, branch, (project ?? _project) + "_" + branch);

    /// <summary>A branch, a tunnel to it as the provider opens it, and a connection through the tunnel.</summary>
    private async Task<(TunnelListener Tunnel, MySqlConnection Connection)> ThroughTunnelAsync(ServerBranchProvider provider, BranchTarget target)
    {
        if (await provider.FindAsync(target.Branch, CancellationToken.None) is null)
        {
            await provider.CreateAsync(target, null, copyData: true, CancellationToken.None);
        }

        var lease = await provider.OpenUpstreamAsync(target, CancellationToken.None);
        var tunnel = TunnelListener.Start(lease.Endpoint, preferredPort: null);
        var connection = new MySqlConnection($"Server=127.0.0.1;Port={tunnel.Port};User ID=branchtasks_app;Database={target.Database};SslMode=None;Pooling=false;AllowUserVariables=true");
        await connection.OpenAsync();
        return (tunnel, connection);
    }

    [Fact]
    public async Task Through_the_tunnel_files_the_server_users_and_other_databases_are_out_of_reach()
    {
        var provider = Provider;
        var target = Target("main");
        var (tunnel, connection) = await ThroughTunnelAsync(provider, target);
        await using var _ = tunnel;
        await using var __ = connection;
        var otherProject = PrivateServerFixture.UniqueName("lpother");
        var other = Target("main", otherProject);
        await LocalBranchProvider.Create(fixture.Endpoint, otherProject, TestOwners.Default).CreateAsync(other, null, copyData: true, CancellationToken.None);
        await fixture.ExecuteAsync("CREATE TABLE secrets (s TEXT); INSERT INTO secrets VALUES ('other project')", other.Database);

        var folder = Directory.CreateTempSubdirectory("bt-lp-");
        try
        {
            var developerFile = Path.Combine(folder.FullName, "private.txt");
            await File.WriteAllTextAsync(developerFile, "developer secret");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(developerFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var props = Path.Combine(folder.FullName, "Directory.Build.props");
            await Execute(connection, "CREATE TABLE loot (line TEXT)");

            await AssertDenied(connection, $"LOAD DATA INFILE '{developerFile}' INTO TABLE loot");
            await AssertDenied(connection, $"LOAD DATA INFILE '{fixture.State.PathOf("local/credentials.json")}' INTO TABLE loot");
            Assert.IsType<DBNull>(await Scalar(connection, $"SELECT LOAD_FILE('{developerFile}')"));
            await AssertDenied(connection, $"SELECT '<Project />' INTO OUTFILE '{props}'");
            Assert.False(File.Exists(props));
            await AssertDenied(connection, $"CREATE DATABASE {PrivateServerFixture.UniqueName("outside")}");
            await AssertDenied(connection, $"USE `{other.Database}`");
            await AssertDenied(connection, $"SELECT * FROM `{other.Database}`.secrets");
            await AssertDenied(connection, "SELECT * FROM _branchtasks.branches");
            await AssertDenied(connection, "SELECT * FROM mysql.user");
            await AssertDenied(connection, "CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'");
            await AssertDenied(connection, $"GRANT SELECT ON `{target.Database}`.* TO 'branchtasks_app'@'127.0.0.1'");
            await AssertDenied(connection, "SHUTDOWN");
            await AssertDenied(connection, "SET GLOBAL max_connections = 5");
            await AssertDenied(connection, "FLUSH PRIVILEGES");

            var grants = await GrantsAsync(provider);
            Assert.All(grants.Where(g => g.Contains(" ON *.* ", StringComparison.Ordinal)), g => Assert.StartsWith("GRANT USAGE ON *.*", g));
            Assert.DoesNotContain(grants, g => g.Contains("WITH GRANT OPTION", StringComparison.Ordinal));
            Assert.Equal(1L, Convert.ToInt64(await fixture.ScalarAsync("SELECT COUNT(*) FROM secrets", other.Database)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Migrations_still_work_on_the_branch_through_the_tunnel()
    {
        var (tunnel, connection) = await ThroughTunnelAsync(Provider, Target("migrate"));
        await using var _ = tunnel;
        await using var __ = connection;

        await Execute(connection, "CREATE TABLE customers (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50))");
        await Execute(connection, "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT, total DECIMAL(10,2), FOREIGN KEY (customer_id) REFERENCES customers (id))");
        await Execute(connection, "ALTER TABLE customers ADD COLUMN email VARCHAR(100)");
        await Execute(connection, "CREATE INDEX ix_email ON customers (email)");
        await Execute(connection, "CREATE TABLE audit (note VARCHAR(100))");
        await Execute(connection, "CREATE TRIGGER customers_ai AFTER INSERT ON customers FOR EACH ROW INSERT INTO audit VALUES (CONCAT('added ', NEW.name))");
        await Execute(connection, "CREATE VIEW named AS SELECT id, name FROM customers");
        await Execute(connection, "CREATE PROCEDURE add_customer(IN n VARCHAR(50)) INSERT INTO customers (name) VALUES (n)");
        await Execute(connection, "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2");
        await Execute(connection, "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM audit");
        await Execute(connection, "CALL add_customer('ada')");
        await Execute(connection, "LOCK TABLES customers WRITE, audit WRITE; INSERT INTO customers (name) VALUES ('bob'); UNLOCK TABLES");
        await Execute(connection, "CREATE TEMPORARY TABLE scratch (x INT); INSERT INTO scratch VALUES (21)");

        Assert.Equal(42, Convert.ToInt32(await Scalar(connection, "SELECT twice(x) FROM scratch")));
        Assert.Equal(2L, Convert.ToInt64(await Scalar(connection, "SELECT COUNT(*) FROM named")));
        Assert.Equal("added ada", await Scalar(connection, "SELECT note FROM audit ORDER BY note LIMIT 1"));

        await Execute(connection, "DROP EVENT nightly; DROP FUNCTION twice; DROP PROCEDURE add_customer; DROP VIEW named; DROP TRIGGER customers_ai; DROP TABLE orders; DROP TABLE customers");
        Assert.Equal(1L, Convert.ToInt64(await Scalar(connection, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")));
    }

    [Fact]
    public async Task A_grant_names_exactly_one_database_although_underscores_are_wildcards_in_grants()
    {
        var target = Target("main");
        var (tunnel, connection) = await ThroughTunnelAsync(Provider, target);
        await using var _ = tunnel;
        await using var __ = connection;

        // _project is "lp_<hex>", so "lpX<hex>_main" would match an unescaped grant on "lp_<hex>_main".
        var lookalike = "lpX" + target.Database[3..];
        await fixture.ExecuteAsync($"CREATE DATABASE `{lookalike}`; CREATE TABLE `{lookalike}`.t (x INT)");
        try
        {
            await AssertDenied(connection, $"SELECT * FROM `{lookalike}`.t");
            await AssertDenied(connection, $"DROP DATABASE `{lookalike}`");
        }
        finally
        {
            await fixture.ExecuteAsync($"DROP DATABASE `{lookalike}`");
        }
    }

    [Fact]
    public async Task A_deleted_branch_takes_its_grants_along_so_a_database_of_the_same_name_is_not_inherited()
    {
        var provider = Provider;
        var target = Target("gone");
        await provider.CreateAsync(target, null, copyData: true, CancellationToken.None);
        var endpoint = (await provider.OpenUpstreamAsync(target, CancellationToken.None)).Endpoint;
        Assert.Contains(await GrantsAsync(provider), g => g.Contains($"`{target.Database.Replace("_", "\\_", StringComparison.Ordinal)}`", StringComparison.Ordinal));

        await provider.DeleteAsync(target, CancellationToken.None);

        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM mysql.db WHERE User = '{endpoint.User}'")));
        await fixture.ExecuteAsync($"CREATE DATABASE `{target.Database}`");
        try
        {
            await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder { Server = endpoint.Host, Port = (uint)endpoint.Port, UserID = endpoint.User, Password = endpoint.Password, SslMode = MySqlSslMode.None, Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await AssertDenied(connection, $"USE `{target.Database}`");
        }
        finally
        {
            await fixture.ExecuteAsync($"DROP DATABASE `{target.Database}`");
        }
    }

    [Fact]
    public async Task A_branch_from_before_app_accounts_is_granted_when_its_tunnel_opens_and_a_foreign_database_never_is()
    {
        var provider = Provider;
        var target = Target("old");
        await provider.CreateAsync(target, null, copyData: true, CancellationToken.None);
        var account = AppAccounts.NameFor("_branchtasks", _project);
        await fixture.ExecuteAsync($"REVOKE ALL PRIVILEGES ON {AppAccounts.GrantTarget(target.Database)} FROM '{account}'@'127.0.0.1'");

        var (tunnel, connection) = await ThroughTunnelAsync(provider, target);
        await using (tunnel)
        await using (connection)
        {
            await Execute(connection, "CREATE TABLE t (x INT)");
        }

        var foreign = Target("handmade");
        await fixture.ExecuteAsync($"CREATE DATABASE `{foreign.Database}`");
        try
        {
            var endpoint = (await provider.OpenUpstreamAsync(foreign, CancellationToken.None)).Endpoint;
            await using var direct = new MySqlConnection(new MySqlConnectionStringBuilder { Server = endpoint.Host, Port = (uint)endpoint.Port, UserID = endpoint.User, Password = endpoint.Password, Database = endpoint.Database, SslMode = MySqlSslMode.None, Pooling = false }.ConnectionString);
            var error = await Assert.ThrowsAsync<MySqlException>(() => direct.OpenAsync());
            Assert.Contains("denied", error.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await fixture.ExecuteAsync($"DROP DATABASE `{foreign.Database}`");
        }
    }

    [Fact]
    public async Task The_server_reads_and_writes_files_only_in_an_empty_folder_of_the_state_directory()
    {
        var layout = new LocalServerLayout(fixture.State);

        var securePath = (string?)await fixture.ScalarAsync("SELECT @@secure_file_priv");

        Assert.Equal(layout.SecureFilesDirectory, Path.TrimEndingDirectorySeparator(securePath!));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(layout.SecureFilesDirectory));
        }

        var outside = Path.Combine(Path.GetTempPath(), "bt-outfile-" + Guid.NewGuid().ToString("N"));
        var error = await Assert.ThrowsAsync<MySqlException>(() => fixture.ExecuteAsync($"SELECT 1 INTO OUTFILE '{outside}'"));
        Assert.Contains("secure-file-priv", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(outside));
    }

    [Fact]
    public async Task The_server_keeps_its_temporary_files_in_a_folder_of_its_own_not_the_shared_tmp()
    {
        var layout = new LocalServerLayout(fixture.State);

        var tmpdir = (string?)await fixture.ScalarAsync("SELECT @@tmpdir");

        Assert.Equal(layout.TempDirectory, Path.TrimEndingDirectorySeparator(tmpdir!));
        Assert.StartsWith(fixture.StateRoot, layout.TempDirectory);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(layout.TempDirectory));
        }
    }

    [Fact]
    public void Account_names_fit_mysql_and_differ_per_project_and_metadata_schema()
    {
        var name = AppAccounts.NameFor("_branchtasks", "shop");

        Assert.StartsWith("bt_", name);
        Assert.True(name.Length <= 32);
        Assert.Equal(name, AppAccounts.NameFor("_branchtasks", "shop"));
        Assert.NotEqual(name, AppAccounts.NameFor("_branchtasks", "shop2"));
        Assert.NotEqual(name, AppAccounts.NameFor("alice__branchtasks", "shop"));
        Assert.NotEqual(name, AppAccounts.NameFor("_branchtasks", "shop", owner: "alice"));
        Assert.NotEqual(AppAccounts.NameFor("_branchtasks", "shop", owner: "bob"), AppAccounts.NameFor("_branchtasks", "shop", owner: "alice"));
        Assert.NotEqual(AppAccounts.DerivePassword("secret-1", name), AppAccounts.DerivePassword("secret-2", name));
        Assert.Throws<ArgumentException>(() => AppAccountPolicy.ForLocal(""));
        Assert.DoesNotContain(AppAccountPolicy.ForLocal("s").AccountFor("_branchtasks", "shop").Password, AppAccountPolicy.ForLocal("s").AccountFor("_branchtasks", "shop").ToString());
    }

    private async Task<List<string>> GrantsAsync(ServerBranchProvider provider)
    {
        var definer = provider.AppDefiner ?? throw new InvalidOperationException("No app account was granted.");
        await using var admin = await fixture.OpenAdminAsync();
        await using var command = new MySqlCommand($"SHOW GRANTS FOR {definer}", admin);
        await using var reader = await command.ExecuteReaderAsync();
        var grants = new List<string>();
        while (await reader.ReadAsync())
        {
            grants.Add(reader.GetString(0));
        }

        return grants;
    }

    private static async Task AssertDenied(MySqlConnection connection, string sql)
    {
        var error = await Assert.ThrowsAsync<MySqlException>(() => Execute(connection, sql));
        Assert.True(
            error.Message.Contains("denied", StringComparison.OrdinalIgnoreCase) || error.Message.Contains("privilege", StringComparison.OrdinalIgnoreCase),
            $"{sql}: {error.Message}");
    }

    private static async Task Execute(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
