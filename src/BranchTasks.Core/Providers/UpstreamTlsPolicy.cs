using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Providers;

/// <summary>How the tunnel and the daemon's own connections must secure their leg to a provider's server.</summary>
/// <param name="Required">Refuse a server that does not offer TLS, instead of falling back to plain text.</param>
/// <param name="Check">How much of the server's certificate is verified.</param>
/// <param name="CaCertificateFile">Extra trusted CA certificates (PEM), besides the system's roots.</param>
public sealed record UpstreamTlsPolicy(bool Required, UpstreamCertificateCheck Check, string? CaCertificateFile)
{
    /// <summary>TLS whenever offered, certificate not checked: the private loopback server's self-signed one.</summary>
    public static UpstreamTlsPolicy Opportunistic { get; } = new(false, UpstreamCertificateCheck.None, null);
}
