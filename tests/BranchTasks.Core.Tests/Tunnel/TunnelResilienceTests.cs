using System.Text.Json;
using System.Text.Json.Nodes;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.State;
using BranchTasks.Core.Tunnel;
using MySqlConnector;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>Tests with a private server of their own, because they stop it or rewrite its state.</summary>
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class TunnelResilienceTests : IDisposable
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
    public async Task Upstream_restart_and_upgrade_of_an_app_account_without_password()
    {
        var state = new StateDirectory(_root);
        var server = new LocalServer(state, new LocalSettings());
        try
        {
            var first = await server.EnsureRunningAsync(CancellationToken.None);
            var upstream = new UpstreamEndpoint(first.Host, first.Port, first.AppUser, first.AppPassword, "");
            var manager = new TunnelManager(new TunnelPortStore(state));
            await using (manager)
            {
                var tunnel = manager.GetOrStart(new TunnelKey("local", $"{first.Host}:{first.Port}", "mysql"), "main", UpstreamLease.Fixed(upstream), _root).Listener;
                var local = $"Server=127.0.0.1;Port={tunnel.Port};User ID=app;SslMode=None;Pooling=false;ConnectionTimeout=5";
                Assert.Equal(1, await SelectOneAsync(local));

                // The server goes away: the app gets a clear error, the tunnel stays up.
                Assert.True(await server.StopAsync(CancellationToken.None));
                var error = await Assert.ThrowsAsync<MySqlException>(() => SelectOneAsync(local));
                Assert.Contains("BranchTasks tunnel", error.Message);

                // Back on the same port: new connections succeed through the same tunnel.
                var second = await server.EnsureRunningAsync(CancellationToken.None);
                Assert.Equal(first.Port, second.Port);
                Assert.Equal(1, await SelectOneAsync(local));

                var status = Assert.Single(manager.Snapshot());
                Assert.True(status.UpstreamTls);
                Assert.Equal(first.Port, status.UpstreamPort);
                Assert.True(status.BytesToClient > 0 && status.BytesToServer > 0);
                Assert.Equal("none", status.LocalAuth);
                var json = JsonSerializer.Serialize(status, new JsonSerializerOptions(JsonSerializerDefaults.Web));
                Assert.Contains("\"upstreamTls\":true", json);
            }

            // A state from before the app account had a password: credentials without it, account without one.
            var running = await server.EnsureRunningAsync(CancellationToken.None);
            await using (var admin = await running.OpenAdminConnectionAsync(CancellationToken.None))
            {
                await using var command = new MySqlCommand("ALTER USER 'branchtasks_app'@'127.0.0.1' IDENTIFIED BY ''; ALTER USER 'branchtasks_app'@'::1' IDENTIFIED BY ''; ALTER USER 'branchtasks_app'@'localhost' IDENTIFIED BY ''", admin);
                await command.ExecuteNonQueryAsync();
            }

            var credentialsFile = Path.Combine(server.Directory, "credentials.json");
            var credentials = JsonNode.Parse(await File.ReadAllTextAsync(credentialsFile))!.AsObject();
            credentials.Remove("appPassword");
            await File.WriteAllTextAsync(credentialsFile, credentials.ToJsonString());
            await server.StopAsync(CancellationToken.None);

            var upgraded = await server.EnsureRunningAsync(CancellationToken.None);
            Assert.NotEqual("", upgraded.AppPassword);
            var noPassword = upgraded.CreateAppConnectionString();
            noPassword.Password = "";
            noPassword.Pooling = false;
            await Assert.ThrowsAsync<MySqlException>(() => SelectOneAsync(noPassword.ConnectionString));
            var withPassword = upgraded.CreateAppConnectionString();
            withPassword.Pooling = false;
            Assert.Equal(1, await SelectOneAsync(withPassword.ConnectionString));

            // Nothing readable by group or others holds a password, and the secrets are 0600.
            AssertNoSecretsReadableByOthers(upgraded);
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Private_server_killed_under_an_open_tunnel_is_a_clear_error_until_it_runs_again()
    {
        var state = new StateDirectory(_root);
        var server = new LocalServer(state, new LocalSettings());
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            var first = await server.EnsureRunningAsync(CancellationToken.None);
            var upstream = new UpstreamEndpoint(first.Host, first.Port, first.AppUser, first.AppPassword, "");
            var manager = new TunnelManager(new TunnelPortStore(state), log.Enqueue);
            await using (manager)
            {
                var key = new TunnelKey("local", $"{first.Host}:{first.Port}", "mysql");
                var tunnel = manager.GetOrStart(key, "main", UpstreamLease.Fixed(upstream), _root).Listener;
                var local = $"Server=127.0.0.1;Port={tunnel.Port};User ID=app;SslMode=None;Pooling=false;ConnectionTimeout=5";
                await using var open = new MySqlConnection(local);
                await open.OpenAsync();

                using (var process = System.Diagnostics.Process.GetProcessById(first.ProcessId))
                {
                    process.Kill();
                    await process.WaitForExitAsync();
                }

                // The open connection loses its server; a new one is told why in an ERR packet, not a malformed one.
                await Assert.ThrowsAnyAsync<Exception>(async () =>
                {
                    await using var command = new MySqlCommand("SELECT 1", open);
                    await command.ExecuteScalarAsync();
                });
                var error = await Assert.ThrowsAsync<MySqlException>(() => SelectOneAsync(local));
                Assert.Contains($"BranchTasks tunnel: cannot reach the upstream server {first.Host}:{first.Port}", error.Message);
                Assert.Contains("branchtasks up", error.Message);
                Assert.DoesNotContain("malformed", error.Message, StringComparison.OrdinalIgnoreCase);
                Assert.Equal(1429, error.Number);

                // libmariadb (the mariadb CLI, PHP, Python) reads the same ERR packet, not "Received malformed packet".
                var cli = await BranchTasks.Testing.ProcessRunner.RunAsync("mariadb", ["--host=127.0.0.1", "--port=" + tunnel.Port, "--user=app", "--skip-ssl", "-e", "SELECT 1"], Path.GetTempPath());
                Assert.NotEqual(0, cli.ExitCode);
                Assert.Contains("ERROR 1429", cli.StandardError);
                Assert.Contains("BranchTasks tunnel: cannot reach the upstream server", cli.StandardError);
                Assert.DoesNotContain("malformed", cli.StandardError, StringComparison.OrdinalIgnoreCase);

                var status = Assert.Single(manager.Snapshot());
                Assert.NotNull(status.UpstreamError);
                Assert.Contains(log, line => line.Contains($"tunnel 127.0.0.1:{tunnel.Port}", StringComparison.Ordinal) && line.Contains($"{first.Host}:{first.Port}", StringComparison.Ordinal));

                // What `up` does: the server starts again on its last port, the tunnel keeps its own, and serves.
                var second = await server.EnsureRunningAsync(CancellationToken.None);
                Assert.NotEqual(first.ProcessId, second.ProcessId);
                Assert.Equal(first.Port, second.Port);
                var again = manager.GetOrStart(key, "main", UpstreamLease.Fixed(new UpstreamEndpoint(second.Host, second.Port, second.AppUser, second.AppPassword, "")), _root).Listener;
                Assert.Same(tunnel, again);
                Assert.Equal(1, await SelectOneAsync(local));
                Assert.Null(Assert.Single(manager.Snapshot()).UpstreamError);
            }
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    private void AssertNoSecretsReadableByOthers(LocalServerEndpoint endpoint)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var others = UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        foreach (var secretFile in new[] { "local/credentials.json", "local/tls/server-key.pem" })
        {
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(Path.Combine(_root, secretFile)) & others);
        }

        foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            if ((File.GetUnixFileMode(file) & others) == 0 || new FileInfo(file).Length > 50_000_000)
            {
                continue;
            }

            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file);
            }
            catch (IOException)
            {
                continue;
            }

            var text = System.Text.Encoding.Latin1.GetString(bytes);
            Assert.DoesNotContain(endpoint.AppPassword, text);
            Assert.DoesNotContain(endpoint.AdminPassword, text);
        }
    }

    private static async Task<int> SelectOneAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT 1", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }
}
