using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Tunnel;

[Collection(PrivateServerCollection.Name)]
public sealed class TunnelProtocolTests(PrivateServerFixture fixture)
{
    private UpstreamEndpoint Admin(string database = "") =>
        new(fixture.Endpoint.Host, fixture.Endpoint.Port, fixture.Endpoint.AdminUser, fixture.Endpoint.AdminPassword, database);

    private static string Local(TunnelListener tunnel, string database = "", string user = "someone", string? extra = null) =>
        $"Server=127.0.0.1;Port={tunnel.Port};User ID={user};Database={database};SslMode=None;Pooling=false;{extra}";

    [Fact]
    public async Task Shows_the_upstream_version_and_connection_id_and_logs_in_with_the_daemon_credentials()
    {
        await using var tunnel = TunnelListener.Start(Admin(), preferredPort: null);
        await using var connection = new MySqlConnection(Local(tunnel));
        await connection.OpenAsync();

        await using (var direct = await fixture.OpenAdminAsync())
        {
            Assert.Equal(direct.ServerVersion, connection.ServerVersion);
        }

        await using var command = new MySqlCommand("SELECT CONNECTION_ID(), CURRENT_USER(), VERSION()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(connection.ServerThread, Convert.ToInt32(reader.GetValue(0)));
        Assert.StartsWith(fixture.Endpoint.AdminUser + "@", reader.GetString(1));
        Assert.Equal(fixture.Endpoint.ServerVersion, reader.GetString(2));
    }
}
