using System.Collections.Concurrent;
using System.Text.Json;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.Server;

/// <summary>
/// The <c>mysql</c> provider's tunnel logs in as a scoped account the tool makes with the admin login, or, where that
/// login may not make accounts, as the admin (with one log line). The test run's private server stands in for the shared one.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class MySqlAppAccountTests(PrivateServerFixture fixture) : IAsyncLifetime
{
    private const string AdminPassword = "Shared-Admin-Pw-9";
    private readonly string _project = PrivateServerFixture.UniqueName("acct");
    private readonly string _prefix = "dev" + Guid.NewGuid().ToString("N")[..6] + "_";
    private readonly string _admin = "adm_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _state = Directory.CreateTempSubdirectory("bt-mysql-accounts-").FullName;
    private readonly ConcurrentQueue<string> _log = new();

    private BranchTasksConfig Config => new()
    {
        FilePath = Path.Combine(_state, "branchtasks.json"),
        Provider = "mysql",
        Database = _project,
        Mysql = new MySqlSettings { Host = "127.0.0.1", Port = fixture.Endpoint.Port, DatabasePrefix = _prefix, Tls = "unverified" },
    };

    private ProviderCredentials Credentials => new(
        new Dictionary<string, string> { [CredentialEnvironment.MySqlUser] = _admin, [CredentialEnvironment.MySqlPassword] = AdminPassword, [CredentialEnvironment.MySqlHost] = $"127.0.0.1:{fixture.Endpoint.Port}" },
        null);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await fixture.ExecuteAsync($"DROP USER IF EXISTS '{_admin}'@'127.0.0.1'; DROP USER IF EXISTS '{AppAccounts.NameFor(_prefix + "_branchtasks", _project, _admin)}'@'%'");
        Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task The_tunnel_logs_in_as_a_scoped_account_whose_password_is_kept_0600_and_reused()
    {
        await fixture.ExecuteAsync($"CREATE USER '{_admin}'@'127.0.0.1' IDENTIFIED BY '{AdminPassword}'; GRANT ALL PRIVILEGES ON *.* TO '{_admin}'@'127.0.0.1' WITH GRANT OPTION");
        var target = BranchMapper.Map(Config, "feature/scoped");

        await using (var factory = new ProviderFactory(new StateDirectory(_state), _log.Enqueue))
        await using (var provider = await factory.CreateAsync(Config, Credentials, TestOwners.Default.Repository, CancellationToken.None))
        {
            await new BranchOperations(provider, Config).EnsureExistsAsync(target, CancellationToken.None);
            await using var lease = await provider.OpenUpstreamAsync(target, CancellationToken.None);
            Assert.Equal(AppAccounts.NameFor(_prefix + "_branchtasks", _project, _admin), lease.Endpoint.User);
            Assert.Equal(_admin, lease.Endpoint.AppUser);

            var (user, denied) = await ThroughTunnelAsync(target, lease);
            Assert.Equal(lease.Endpoint.User + "@%", user);
            Assert.Contains("denied", denied, StringComparison.OrdinalIgnoreCase);
        }

        var file = Path.Combine(_state, SharedServerAccounts.FileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var stored = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(await File.ReadAllTextAsync(file))!;
        var password = Assert.Single(stored[$"127.0.0.1:{fixture.Endpoint.Port}"]).Value;

        // A later daemon reads the same password, so tunnels it did not start keep working.
        await using (var factory = new ProviderFactory(new StateDirectory(_state), _log.Enqueue))
        await using (var provider = await factory.CreateAsync(Config, Credentials, TestOwners.Default.Repository, CancellationToken.None))
        {
            await using var lease = await provider.OpenUpstreamAsync(target, CancellationToken.None);
            Assert.Equal(password, lease.Endpoint.Password);
            Assert.Equal(lease.Endpoint.User + "@%", (await ThroughTunnelAsync(target, lease)).User);

            await provider.DeleteAsync(target, CancellationToken.None);
            await provider.DeleteAsync(BranchMapper.Map(Config, "main"), CancellationToken.None);
        }

        Assert.Empty(_log);
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM mysql.db WHERE User = '{AppAccounts.NameFor(_prefix + "_branchtasks", _project, _admin)}'")));
        Assert.DoesNotContain(password, await File.ReadAllTextAsync(Path.Combine(fixture.StateRoot, "local", "server.log")));
    }

    [Fact]
    public async Task An_admin_that_may_not_create_users_leaves_the_tunnel_on_the_admin_login_and_says_so_once()
    {
        // Rights on its own prefix only: no CREATE USER, no GRANT OPTION.
        var escapedPrefix = _prefix.Replace("_", "\\_", StringComparison.Ordinal);
        await fixture.ExecuteAsync($"CREATE USER '{_admin}'@'127.0.0.1' IDENTIFIED BY '{AdminPassword}'; GRANT ALL PRIVILEGES ON `{escapedPrefix}%`.* TO '{_admin}'@'127.0.0.1'");
        var target = BranchMapper.Map(Config, "feature/fallback");

        await using var factory = new ProviderFactory(new StateDirectory(_state), _log.Enqueue);
        await using var provider = await factory.CreateAsync(Config, Credentials, TestOwners.Default.Repository, CancellationToken.None);
        await new BranchOperations(provider, Config).EnsureExistsAsync(target, CancellationToken.None);
        await using var lease = await provider.OpenUpstreamAsync(target, CancellationToken.None);
        await using (var again = await provider.OpenUpstreamAsync(target, CancellationToken.None))
        {
            Assert.Equal(_admin, again.Endpoint.User);
        }

        Assert.Equal(_admin, lease.Endpoint.User);
        Assert.Null(((ServerBranchProvider)provider).AppDefiner);
        Assert.Equal(_admin + "@127.0.0.1", (await ThroughTunnelAsync(target, lease)).User);
        var line = Assert.Single(_log);
        Assert.Contains($"127.0.0.1:{fixture.Endpoint.Port}", line);
        Assert.Contains("admin credentials", line);
        Assert.DoesNotContain(AdminPassword, line);

        await provider.DeleteAsync(target, CancellationToken.None);
        await provider.DeleteAsync(BranchMapper.Map(Config, "main"), CancellationToken.None);
    }

    /// <summary>CURRENT_USER() through a real tunnel, and what the server says to a CREATE DATABASE outside the prefix.</summary>
    private static async Task<(string User, string Denied)> ThroughTunnelAsync(BranchTarget target, UpstreamLease lease)
    {
        await using var tunnel = TunnelListener.Start(lease.Endpoint, preferredPort: null);
        await using var connection = new MySqlConnection(TunnelConnectionString.Build(tunnel.Port, target.Database, lease.Endpoint.AppUser) + ";SslMode=None;Pooling=false");
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT CURRENT_USER()", connection);
        var user = (string)(await command.ExecuteScalarAsync())!;
        var denied = string.Empty;
        try
        {
            await using var create = new MySqlCommand($"CREATE DATABASE `outside_{Guid.NewGuid():N}`", connection);
            await create.ExecuteNonQueryAsync();
        }
        catch (MySqlException e)
        {
            denied = e.Message;
        }

        return (user, denied);
    }
}
