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

    /// <summary>
    /// Use TLS to the upstream whenever it offers it. No product path turns it off: internal, for the tests of the
    /// plaintext leg and bench/TunnelBench's side-by-side measurement (both see Core's internals).
    /// </summary>
    internal bool UpstreamTls { get; init; } = true;

    public LocalAuthMode LocalAuth { get; init; } = LocalAuthMode.None;

    /// <summary>The password apps must present when <see cref="LocalAuth"/> is <see cref="LocalAuthMode.Token"/>.</summary>
    public string? LocalPassword { get; init; }

    /// <summary>How long a new connection may take to send its login; past it the connection is closed, having cost no upstream connection.</summary>
    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long dialling and logging in to the upstream server may take once the app's login has passed.</summary>
    public TimeSpan UpstreamLoginTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections a tunnel holds at once (logged in or not); one more is refused with ER_CON_COUNT_ERROR.</summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    public const int DefaultMaxConnections = 1000;

    /// <summary>Which OS user a connection comes from; the platform's answer unless a test stands in for another platform.</summary>
    public Func<System.Net.Sockets.Socket, Platform.PeerOwner> IdentifyPeer { get; init; } = Platform.TcpPeerIdentity.Of;

    /// <summary>Where the tunnel tells why it closed a connection (the daemon's log); nowhere by default.</summary>
    public Action<string>? Log { get; init; }

    public override string ToString() => $"TunnelOptions {{ LocalAuth = {LocalAuth} }}";
}
