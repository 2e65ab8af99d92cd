using BranchTasks.Core.Configuration;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;
using BranchTasks.Testing;
using Microsoft.Extensions.Configuration.UserSecrets;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.Server;

/// <summary>
/// The <c>mysql</c> provider against a real MariaDB server standing in for a team's shared server: the test
/// run's private server, reached over TCP with its password-protected admin account and its TLS certificate.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class MySqlProviderTests(PrivateServerFixture fixture) : IDisposable
{
    private readonly SharedServerSetup _setup = new(fixture, "shared");

    [Fact]
    public async Task Branches_are_prefixed_databases_recorded_under_the_prefix_and_the_tunnel_logs_in_over_verified_tls()
    {
        var config = _setup.Config();
        await using var factory = new ProviderFactory(new StateDirectory(_setup.State));
        await using var provider = await factory.CreateAsync(config, new ProviderCredentials(_setup.AdminCredentials(), null), TestOwners.Default.Repository, CancellationToken.None);
        var target = BranchMapper.Map(config, "feature/y");

        Assert.True(await new BranchOperations(provider, config).EnsureExistsAsync(target, CancellationToken.None));

        Assert.StartsWith(_setup.Prefix + _setup.Project + "_feature_y", target.Database);
        var branches = await provider.ListAsync(CancellationToken.None);
        Assert.Equal(new[] { _setup.Prefix + _setup.Project + "_main", target.Database }.Order(StringComparer.Ordinal), branches.Select(b => b.Database).Order(StringComparer.Ordinal));
        Assert.Equal(2L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM `{_setup.Prefix}_branchtasks`.branches WHERE project = '{_setup.Project}'")));
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '_branchtasks' AND TABLE_NAME = 'branches'") is 0L
            ? 0L
            : await fixture.ScalarAsync($"SELECT COUNT(*) FROM `_branchtasks`.branches WHERE project = '{_setup.Project}'")));

        await using var lease = await provider.OpenUpstreamAsync(target, CancellationToken.None);
        Assert.Equal(new UpstreamTlsPolicy(true, UpstreamCertificateCheck.Full, _setup.CaFile), lease.Endpoint.Tls);
        Assert.Equal(AppAccounts.NameFor(_setup.Prefix + "_branchtasks", _setup.Project, fixture.Endpoint.AdminUser), lease.Endpoint.User);
        Assert.Equal(fixture.Endpoint.AdminUser, lease.Endpoint.AppUser);

        var home = Directory.CreateTempSubdirectory("bt-mysql-tunnel-").FullName;
        try
        {
            await using var tunnels = new TunnelManager(new TunnelPortStore(new StateDirectory(home)));
            var tunnel = tunnels.GetOrStart(provider.GetTunnelKey(target), target.Branch, UpstreamLease.Fixed(lease.Endpoint), "/repo");
            var local = TunnelConnectionString.Build(tunnel.Listener.Port, target.Database, lease.Endpoint.AppUser);
            Assert.DoesNotContain(fixture.Endpoint.AdminPassword, local);
            await using (var connection = new MySqlConnection(local + ";SslMode=None;Pooling=false"))
            {
                await connection.OpenAsync();
                await using var command = new MySqlCommand("SELECT DATABASE()", connection);
                Assert.Equal(target.Database, await command.ExecuteScalarAsync());
            }

            Assert.True(tunnel.Listener.UpstreamTls);
            Assert.Equal($"mysql:127.0.0.1:{fixture.Endpoint.Port}/{target.Database}", tunnel.Key.ToString());

            // Another OS user gets BT0505 from the tunnel, never the developer's scoped login.
            var stranger = await OtherUser.QueryAsync(tunnel.Listener.Port, "SELECT CURRENT_USER()");
            Assert.NotEqual(0, stranger.ExitCode);
            Assert.Contains("BT0505", stranger.Combined);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }

        await provider.DeleteAsync(target, CancellationToken.None);
        await provider.DeleteAsync(BranchMapper.Map(config, "main"), CancellationToken.None);
        Assert.Empty(await provider.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_database_under_the_prefix_that_the_tool_did_not_create_is_never_dropped()
    {
        var config = _setup.Config();
        var foreign = BranchMapper.Map(config, "handmade");
        await fixture.ExecuteAsync($"CREATE DATABASE `{foreign.Database}`");
        try
        {
            await using var factory = new ProviderFactory(new StateDirectory(_setup.State));
            await using var provider = await factory.CreateAsync(config, new ProviderCredentials(_setup.AdminCredentials(), null), TestOwners.Default.Repository, CancellationToken.None);

            var ex = await Assert.ThrowsAsync<BranchTasksException>(() => provider.DeleteAsync(foreign, CancellationToken.None));

            Assert.Equal(ErrorCodes.BranchNotOwned, ex.Code);
            Assert.Equal(1L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{foreign.Database}'")));
        }
        finally
        {
            await fixture.ExecuteAsync($"DROP DATABASE `{foreign.Database}`");
        }
    }

    [Fact]
    public async Task Missing_credentials_name_the_variables_and_user_secrets_and_never_the_config_file_as_a_place_for_them()
    {
        await using var factory = new ProviderFactory(new StateDirectory(_setup.State));
        var partial = new Dictionary<string, string> { [CredentialEnvironment.MySqlUser] = "someone" };

        var ex = await Assert.ThrowsAsync<BranchTasksException>(() => factory.CreateAsync(_setup.Config(), new ProviderCredentials(partial, null), TestOwners.Default.Repository, CancellationToken.None));

        Assert.Equal(ErrorCodes.ProviderCredentialsMissing, ex.Code);
        Assert.Contains(CredentialEnvironment.MySqlPassword + " is not set", ex.Message);
        Assert.Contains("userSecretsId", ex.Message);
        Assert.Contains("Never put them in branchtasks.json", ex.Message);
    }

    [Fact]
    public async Task A_wrong_password_or_an_unreachable_server_is_one_clear_login_error()
    {
        await using var factory = new ProviderFactory(new StateDirectory(_setup.State));

        var denied = await Assert.ThrowsAsync<BranchTasksException>(() => factory.CreateAsync(_setup.Config(), new ProviderCredentials(_setup.AdminCredentials("wrong-password"), null), TestOwners.Default.Repository, CancellationToken.None));
        Assert.Equal(ErrorCodes.ProviderLoginFailed, denied.Code);
        Assert.Contains($"127.0.0.1:{fixture.Endpoint.Port}", denied.Message);
        Assert.Contains(CredentialEnvironment.MySqlPassword, denied.Message);
        Assert.DoesNotContain("wrong-password", denied.Message);

        var unreachable = new BranchTasksConfig
        {
            FilePath = _setup.Config().FilePath,
            Provider = "mysql",
            Database = _setup.Project,
            Mysql = new MySqlSettings { Host = "127.0.0.1", Port = LoopbackPorts.PickFree() },
        };
        // Bound to the host without a port: the binding covers every port of it.
        var ex = await Assert.ThrowsAsync<BranchTasksException>(() => factory.CreateAsync(unreachable, new ProviderCredentials(_setup.AdminCredentials(boundTo: "127.0.0.1"), null), TestOwners.Default.Repository, CancellationToken.None));
        Assert.Equal(ErrorCodes.ProviderLoginFailed, ex.Code);
        Assert.Contains("reachable", ex.Message);
    }

    [Fact]
    public async Task Credentials_come_from_user_secrets_when_the_environment_has_none()
    {
        var id = "branchtasks-test-" + Guid.NewGuid().ToString("N")[..12];
        var secretsFile = PathHelper.GetSecretsPathFromSecretsId(id);
        Directory.CreateDirectory(Path.GetDirectoryName(secretsFile)!);
        await File.WriteAllTextAsync(secretsFile, $$"""
            { "BranchTasks:MySql:User": "{{fixture.Endpoint.AdminUser}}", "BranchTasks:MySql:Password": "{{fixture.Endpoint.AdminPassword}}", "BranchTasks:MySql:Host": "127.0.0.1:{{fixture.Endpoint.Port}}" }
            """);
        try
        {
            var config = _setup.Config(userSecretsId: id);
            await using var factory = new ProviderFactory(new StateDirectory(_setup.State));
            await using var provider = await factory.CreateAsync(config, new ProviderCredentials(null, Workspace.UserSecretsIdFor(config, "ignored-project-id")), TestOwners.Default.Repository, CancellationToken.None);

            Assert.Empty(await provider.ListAsync(CancellationToken.None));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(secretsFile)!, recursive: true);
        }
    }

    [Fact]
    public async Task Credentials_bound_to_one_server_are_never_sent_to_another_that_the_config_names()
    {
        using var elsewhere = ConnectionRecorder.OnLoopback();
        var config = new BranchTasksConfig
        {
            FilePath = _setup.Config().FilePath,
            Provider = "mysql",
            Database = _setup.Project,
            Mysql = new MySqlSettings { Host = "127.0.0.1", Port = elsewhere.Port, DatabasePrefix = _setup.Prefix, Tls = "unverified-or-plaintext" },
        };
        await using var factory = new ProviderFactory(new StateDirectory(_setup.State));

        var bound = await Assert.ThrowsAsync<BranchTasksException>(() => factory.CreateAsync(config, new ProviderCredentials(_setup.AdminCredentials(), null), TestOwners.Default.Repository, CancellationToken.None));
        var unbound = new Dictionary<string, string>(_setup.AdminCredentials());
        unbound.Remove(CredentialEnvironment.MySqlHost);
        var notBound = await Assert.ThrowsAsync<BranchTasksException>(() => factory.CreateAsync(config, new ProviderCredentials(unbound, null), TestOwners.Default.Repository, CancellationToken.None));

        Assert.Equal(ErrorCodes.CredentialsBoundElsewhere, bound.Code);
        Assert.Contains($"bound to 127.0.0.1:{fixture.Endpoint.Port}", bound.Message);
        Assert.Contains($"127.0.0.1:{elsewhere.Port}", bound.Message);
        Assert.Contains($"{CredentialEnvironment.MySqlHost}=127.0.0.1:{elsewhere.Port}", bound.Message);
        Assert.Equal(ErrorCodes.CredentialsBoundElsewhere, notBound.Code);
        Assert.Contains("not bound", notBound.Message);
        Assert.DoesNotContain(fixture.Endpoint.AdminPassword, bound.Message + notBound.Message);
        Assert.Equal(0, elsewhere.Connections);
    }

    public void Dispose() => _setup.Dispose();
}
