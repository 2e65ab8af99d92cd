namespace BranchTasks.Core.Tunnel;

/// <summary>How the tunnel checks the upstream server's TLS certificate (TLS itself is used whenever the server offers it).</summary>
public enum UpstreamCertificateCheck
{
    /// <summary>Any certificate: for the private loopback server, whose self-signed certificate nobody else can present.</summary>
    None,

    /// <summary>The chain must end in the configured CA (or a system root); the host name is not checked.</summary>
    Ca,

    /// <summary>Chain and host name.</summary>
    Full,
}

/// <summary>How the app logs in to the tunnel.</summary>
public enum LocalAuthMode
{
    /// <summary>Any user, no password (the default: the port is loopback-only).</summary>
    None,

    /// <summary>A random per-tunnel password, checked with mysql_native_password.</summary>
    Token,
}

public sealed record TunnelOptions
{
    public static TunnelOptions Default { get; } = new();

    /// <summary>Use TLS to the upstream whenever it offers it (the default). Off only for measurements and tests.</summary>
    public bool UpstreamTls { get; init; } = true;

    public UpstreamCertificateCheck CertificateCheck { get; init; } = UpstreamCertificateCheck.None;

    /// <summary>A PEM file with the CA certificate(s) for <see cref="UpstreamCertificateCheck.Ca"/> and <see cref="UpstreamCertificateCheck.Full"/>.</summary>
    public string? CaCertificateFile { get; init; }

    public LocalAuthMode LocalAuth { get; init; } = LocalAuthMode.None;

    /// <summary>The password apps must present when <see cref="LocalAuth"/> is <see cref="LocalAuthMode.Token"/>.</summary>
    public string? LocalPassword { get; init; }

    public override string ToString() => $"TunnelOptions {{ CertificateCheck = {CertificateCheck}, LocalAuth = {LocalAuth} }}";
}
