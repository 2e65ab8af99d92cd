using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using BranchTasks.Core.Tunnel;
using MySqlConnector;

namespace BranchTasks.Core.Providers;

/// <summary>
/// How the tunnel and the daemon's own connections must secure their leg to a provider's server. The one rule for
/// which certificate is good enough: the tunnel asks <see cref="Accepts"/>, and MySqlConnector asks it too (through
/// its certificate callback, <see cref="OpenAsync"/>), so a connection the daemon opens and one the tunnel opens
/// accept exactly the same certificates.
/// </summary>
/// <param name="Required">Refuse a server that does not offer TLS, instead of falling back to plain text.</param>
/// <param name="Check">How much of the server's certificate is verified.</param>
/// <param name="CaCertificateFile">Extra trusted CA certificates (PEM), besides the system's roots.</param>
public sealed record UpstreamTlsPolicy(bool Required, UpstreamCertificateCheck Check, string? CaCertificateFile)
{
    /// <summary>TLS whenever offered, certificate not checked: the private loopback server's self-signed one.</summary>
    public static UpstreamTlsPolicy Opportunistic { get; } = new(false, UpstreamCertificateCheck.None, null);

    /// <summary>Whether a server presenting <paramref name="certificate"/> (with .NET's verdict <paramref name="errors"/>) may be talked to.</summary>
    public bool Accepts(X509Certificate? certificate, SslPolicyErrors errors) =>
        CertificateValidation.IsAcceptable(Check, CaCertificateFile, certificate, errors);

    /// <summary>
    /// Opens a MySqlConnector connection under this policy: TLS required when <see cref="Required"/>, and the
    /// certificate judged by <see cref="Accepts"/>, never by MySqlConnector's own VerifyCA/VerifyFull (which trust
    /// another set of certificates: only the CA file's, and no self-signed server certificate listed in it).
    /// A policy that demands nothing leaves the builder's own SslMode (none on the private loopback server).
    /// </summary>
    public Task<MySqlConnection> OpenAsync(MySqlConnectionStringBuilder builder, CancellationToken cancellationToken)
    {
        var settings = new MySqlConnectionStringBuilder(builder.ConnectionString);
        if (Required || Check != UpstreamCertificateCheck.None)
        {
            // MySqlConnector calls the callback only in these two modes.
            settings.SslMode = Required ? MySqlSslMode.Required : MySqlSslMode.Preferred;
            settings.SslCa = "";
        }

        var connection = new MySqlConnection(settings.ConnectionString)
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => Accepts(certificate, errors),
        };
        return Sql.MySqlConnections.OpenAsync(connection, cancellationToken);
    }
}
