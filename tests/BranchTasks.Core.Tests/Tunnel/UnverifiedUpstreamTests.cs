using System.Text;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Tunnel;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>
/// caching_sha2_password full authentication hands the server the password itself. Against a server that offers
/// no TLS and answers a key request with a key of its own (a man in the middle), the tunnel must not send it
/// unless the server is on this machine.
/// </summary>
public sealed class UnverifiedUpstreamTests
{
    private const string Password = "Upstream-Admin-Secret-7";

    private static UpstreamEndpoint Endpoint(FakeCachingSha2Server fake, bool isLoopback) =>
        new UpstreamEndpoint("127.0.0.1", fake.Port, "admin", Password, "") { IsLoopback = isLoopback };

    private static string App(TunnelListener tunnel) =>
        $"Server=127.0.0.1;Port={tunnel.Port};User ID=app;SslMode=None;Pooling=false;ConnectionTimeout=15";

    [Fact]
    public void An_endpoint_knows_from_its_host_whether_it_is_on_this_machine()
    {
        Assert.True(new UpstreamEndpoint("127.0.0.1", 1, "u", null, "").IsLoopback);
        Assert.True(new UpstreamEndpoint("::1", 1, "u", null, "").IsLoopback);
        Assert.True(new UpstreamEndpoint("LocalHost", 1, "u", null, "").IsLoopback);
        Assert.False(new UpstreamEndpoint("db.example.com", 1, "u", null, "").IsLoopback);
        Assert.False(new UpstreamEndpoint("10.0.0.1", 1, "u", null, "").IsLoopback);
        Assert.False(new UpstreamEndpoint("localhost.example.com", 1, "u", null, "").IsLoopback);
    }

    [Fact]
    public async Task A_remote_server_without_verified_tls_that_asks_for_full_authentication_never_gets_the_password()
    {
        using var fake = new FakeCachingSha2Server();
        await using var tunnel = TunnelListener.Start(Endpoint(fake, isLoopback: false), preferredPort: null);

        await using var connection = new MySqlConnection(App(tunnel));
        var ex = await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync());

        Assert.Contains(ErrorCodes.UnverifiedPasswordRequest, ex.Message);
        Assert.Contains("did not send it", ex.Message);
        Assert.Contains("verify-full", ex.Message);
        Assert.DoesNotContain(Password, ex.Message);
        // A new tunnel first reads one greeting (a probe that sends nothing), then dials for the app's login.
        await TunnelProtocolTests.WaitUntil(() => fake.ConnectionsEnded == 2);
        Assert.Empty(fake.AuthPackets);
        var response = Assert.Single(fake.HandshakeResponses);
        Assert.DoesNotContain(Password, Encoding.Latin1.GetString(response));
    }

    [Fact]
    public async Task A_loopback_server_gets_the_password_encrypted_with_the_key_it_sent()
    {
        using var fake = new FakeCachingSha2Server();
        await using var tunnel = TunnelListener.Start(Endpoint(fake, isLoopback: true), preferredPort: null);

        await using (var connection = new MySqlConnection(App(tunnel)))
        {
            await connection.OpenAsync();
        }

        var packets = fake.AuthPackets.ToArray();
        Assert.True(packets.Length >= 2, $"{packets.Length} packets after the handshake response");
        Assert.Equal([(byte)0x02], packets[0]);
        Assert.Equal(256, packets[1].Length);
        Assert.DoesNotContain(Password, Encoding.Latin1.GetString(packets[1]));
        Assert.Equal(Password, fake.DecryptPassword(packets[1]));
    }
}
