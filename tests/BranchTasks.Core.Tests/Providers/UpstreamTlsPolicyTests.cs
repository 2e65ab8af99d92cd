using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Tunnel;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers;

/// <summary>
/// One TLS policy for both ways the daemon reaches a server: its own MySqlConnector connections (metadata, cloning,
/// branch diff) and the tunnel. Against the private server's real self-signed certificate, both accept it when the
/// CA file lists it, and both refuse it when the CA file names another certificate.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class UpstreamTlsPolicyTests(PrivateServerFixture fixture) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bt-tls-policy-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(UpstreamCertificateCheck.Ca)]
    [InlineData(UpstreamCertificateCheck.Full)]
    public async Task A_daemon_connection_and_the_tunnel_accept_the_server_certificate_listed_in_the_CA_file(UpstreamCertificateCheck check)
    {
        var policy = new UpstreamTlsPolicy(true, check, new LocalServerLayout(fixture.State).TlsCertificateFile);

        await using (var direct = await policy.OpenAsync(Admin(), CancellationToken.None))
        {
            Assert.NotEqual("", await ScalarAsync(direct, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'"));
        }

        await using var tunnel = TunnelListener.Start(Upstream(policy), preferredPort: null);
        await using var app = new MySqlConnection(App(tunnel));
        await app.OpenAsync();
        Assert.Equal("1", await ScalarAsync(app, "SELECT 1"));
    }

    [Theory]
    [InlineData(UpstreamCertificateCheck.Ca)]
    [InlineData(UpstreamCertificateCheck.Full)]
    public async Task A_daemon_connection_and_the_tunnel_refuse_the_same_wrong_certificate(UpstreamCertificateCheck check)
    {
        var policy = new UpstreamTlsPolicy(true, check, StrangerCaFile());

        await Assert.ThrowsAnyAsync<Exception>(() => policy.OpenAsync(Admin(), CancellationToken.None));

        await using var tunnel = TunnelListener.Start(Upstream(policy), preferredPort: null);
        await using var app = new MySqlConnection(App(tunnel));
        await Assert.ThrowsAsync<MySqlException>(() => app.OpenAsync());
    }

    [Fact]
    public async Task A_policy_that_checks_nothing_leaves_a_plain_loopback_connection_plain()
    {
        await using var direct = await UpstreamTlsPolicy.Opportunistic.OpenAsync(Admin(), CancellationToken.None);
        Assert.Equal("", await ScalarAsync(direct, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'"));
    }

    private MySqlConnectionStringBuilder Admin() => new(fixture.Endpoint.CreateAdminConnectionString().ConnectionString) { Pooling = false };

    private UpstreamEndpoint Upstream(UpstreamTlsPolicy policy) =>
        new(fixture.Endpoint.Host, fixture.Endpoint.Port, fixture.Endpoint.AdminUser, fixture.Endpoint.AdminPassword, "") { Tls = policy };

    private static string App(TunnelListener tunnel) =>
        $"Server=127.0.0.1;Port={tunnel.Port};User ID=app;SslMode=None;Pooling=false;ConnectionTimeout=15";

    private static async Task<string> ScalarAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync()) ?? "";
    }

    /// <summary>A CA file naming a certificate with the same names as the server's, but another key.</summary>
    private string StrangerCaFile()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=BranchTasks private server", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(_folder, "stranger.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }
}
