using BranchTasks.Testing;
using System.Text.Json.Nodes;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.State;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.Local;

/// <summary>A data directory and credentials file from before per-project app accounts, started by this version (a server of its own).</summary>
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class LocalServerUpgradeTests : IDisposable
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
    public async Task The_shared_app_account_loses_all_on_star_at_the_next_start_and_old_credentials_get_an_account_secret()
    {
        var server = new LocalServer(new StateDirectory(_root), new LocalSettings());
        try
        {
            var first = await server.EnsureRunningAsync(CancellationToken.None);
            await ExecuteAsync(first, "GRANT ALL PRIVILEGES ON *.* TO 'branchtasks_app'@'127.0.0.1'; GRANT ALL PRIVILEGES ON *.* TO 'branchtasks_app'@'localhost'; GRANT ALL PRIVILEGES ON *.* TO 'branchtasks_app'@'::1'");
            var credentialsFile = Path.Combine(server.Directory, "credentials.json");
            var credentials = JsonNode.Parse(await File.ReadAllTextAsync(credentialsFile))!.AsObject();
            credentials.Remove("accountSecret");
            await File.WriteAllTextAsync(credentialsFile, credentials.ToJsonString());
            Assert.True(await server.StopAsync(CancellationToken.None));

            var upgraded = await server.EnsureRunningAsync(CancellationToken.None);

            foreach (var host in new[] { "127.0.0.1", "localhost", "::1" })
            {
                var grants = await GrantsAsync(upgraded, $"'branchtasks_app'@'{host}'");
                Assert.StartsWith("GRANT USAGE ON *.* TO", Assert.Single(grants));
            }

            Assert.Equal(64, upgraded.AccountSecret.Length);
            Assert.Contains("\"accountSecret\"", await File.ReadAllTextAsync(credentialsFile));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentialsFile));
            }

            // The new account works on a branch made by this version, through the provider's upstream.
            var provider = LocalBranchProvider.Create(upgraded, "upgraded", TestOwners.Default);
            var target = new BranchTarget("main", "main", "upgraded_main");
            await provider.CreateAsync(target, null, copyData: true, CancellationToken.None);
            var endpoint = (await provider.OpenUpstreamAsync(target, CancellationToken.None)).Endpoint;
            await using var app = new MySqlConnection(new MySqlConnectionStringBuilder { Server = endpoint.Host, Port = (uint)endpoint.Port, UserID = endpoint.User, Password = endpoint.Password, Database = endpoint.Database, SslMode = MySqlSslMode.None, Pooling = false }.ConnectionString);
            await app.OpenAsync();
            await using var command = new MySqlCommand("CREATE TABLE t (x INT); SELECT CURRENT_USER()", app);
            Assert.Equal(endpoint.User + "@127.0.0.1", await command.ExecuteScalarAsync());
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<List<string>> GrantsAsync(LocalServerEndpoint endpoint, string account)
    {
        await using var connection = await endpoint.OpenAdminConnectionAsync(CancellationToken.None);
        await using var command = new MySqlCommand($"SHOW GRANTS FOR {account}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var grants = new List<string>();
        while (await reader.ReadAsync())
        {
            grants.Add(reader.GetString(0));
        }

        return grants;
    }

    private static async Task ExecuteAsync(LocalServerEndpoint endpoint, string sql)
    {
        await using var connection = await endpoint.OpenAdminConnectionAsync(CancellationToken.None);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
