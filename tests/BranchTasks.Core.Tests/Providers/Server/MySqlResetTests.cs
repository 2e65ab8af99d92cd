using BranchTasks.Core.Configuration;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.State;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.Server;

/// <summary>`branch reset` on the <c>mysql</c> provider: the staging copy lives under the database prefix, and a failed one leaves the branch.</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class MySqlResetTests(PrivateServerFixture fixture) : IDisposable
{
    private readonly SharedServerSetup _setup = new(fixture, "rst");

    [Fact]
    public async Task A_failed_reset_leaves_the_branch_and_a_staging_leftover_under_the_prefix_is_cleared_by_the_next()
    {
        var config = _setup.Config();
        var credentials = new ProviderCredentials(_setup.AdminCredentials(), null);
        await using var factory = new ProviderFactory(new StateDirectory(_setup.State));
        await using var provider = await factory.CreateAsync(config, credentials, TestOwners.Default.Repository, CancellationToken.None);
        var operations = new BranchOperations(provider, config);
        var target = BranchMapper.Map(config, "feature/r");
        await operations.EnsureExistsAsync(target, CancellationToken.None);
        var root = BranchMapper.Map(config, "main");
        await fixture.ExecuteAsync("CREATE TABLE items (id INT); INSERT INTO items VALUES (1), (2);", root.Database);
        await fixture.ExecuteAsync("CREATE TABLE mine (id INT); INSERT INTO mine VALUES (7);", target.Database);
        var existing = (await provider.FindAsync(target.Branch, CancellationToken.None))!;

        await fixture.ExecuteAsync("CREATE TABLE helper (id INT); CREATE VIEW broken AS SELECT id FROM helper; DROP TABLE helper;", root.Database);
        var error = await Assert.ThrowsAsync<BranchTasksException>(() => operations.ResetAsync(existing, CancellationToken.None));
        Assert.Equal(ErrorCodes.BranchCreateFailed, error.Code);
        Assert.Equal(7, Convert.ToInt32(await fixture.ScalarAsync("SELECT id FROM mine", target.Database)));
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '{_setup.Prefix}\\_reset\\_%'")));

        // A leftover of a reset that died while staging, under the prefix (where a shared server's admin may be limited to).
        await fixture.ExecuteAsync("DROP VIEW broken", root.Database);
        var staging = _setup.Prefix + "_reset_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(target.Database)))[..24];
        await new BranchMetadataStore(ct => fixture.Endpoint.OpenAdminConnectionAsync(ct), _setup.Prefix + "_branchtasks")
            .InsertCreatingAsync(staging, _setup.Project, staging, root.Branch, target.GitBranch, TestOwners.Default, CancellationToken.None);
        await fixture.ExecuteAsync($"CREATE DATABASE `{staging}`; CREATE TABLE `{staging}`.half_made (id INT);");

        var reset = await operations.ResetAsync(existing, CancellationToken.None);

        Assert.Equal(target.Database, reset.Database);
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{staging}'")));
        Assert.Equal("items", Convert.ToString(await fixture.ScalarAsync($"SELECT GROUP_CONCAT(TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{target.Database}'"), System.Globalization.CultureInfo.InvariantCulture));

        // The app's login (the developer's scoped account) still reaches the reset branch.
        await using var lease = await provider.OpenUpstreamAsync(target, CancellationToken.None);
        var upstream = lease.Endpoint;
        Assert.NotEqual(fixture.Endpoint.AdminUser, upstream.User);
        var builder = new MySqlConnectionStringBuilder { Server = upstream.Host, Port = (uint)upstream.Port, UserID = upstream.User, Password = upstream.Password, Database = upstream.Database, SslMode = MySqlSslMode.Required };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM items", connection);
        Assert.Equal(2L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose() => _setup.Dispose();
}
