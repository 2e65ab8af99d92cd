namespace BranchTasks.Core.Daemon;

/// <summary>What `branchtasks status --json` prints: the daemon and every tunnel it holds.</summary>
public sealed class DaemonStatus
{
    public int ProcessId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public string Version { get; set; } = "";
    public List<TunnelStatus> Tunnels { get; set; } = [];
}

public sealed class TunnelStatus
{
    public string Provider { get; set; } = "";
    public string Branch { get; set; } = "";
    public string Database { get; set; } = "";
    public string Host { get; set; } = "";
    public int Port { get; set; }
    public string UpstreamHost { get; set; } = "";
    public int UpstreamPort { get; set; }

    /// <summary>Whether the tunnel's last upstream login used TLS; null until an app has connected.</summary>
    public bool? UpstreamTls { get; set; }

    /// <summary>The private server's Unix socket the tunnel dials (no TLS); null when it dials UpstreamHost:UpstreamPort.</summary>
    public string? UpstreamSocket { get; set; }

    /// <summary>How the last upstream login reached the server: "unix" or "tcp" (TCP is also the fallback when the socket is gone); null until an app has connected.</summary>
    public string? UpstreamTransport { get; set; }

    /// <summary>Why the last upstream login failed, until one succeeds.</summary>
    public string? UpstreamError { get; set; }

    /// <summary>"none" or "token".</summary>
    public string LocalAuth { get; set; } = "none";
    public int OpenConnections { get; set; }
    public long TotalConnections { get; set; }

    /// <summary>Connections turned away: another OS user, a wrong token, or over the connection limit.</summary>
    public long RefusedConnections { get; set; }
    public long BytesToServer { get; set; }
    public long BytesToClient { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastUsedAt { get; set; }
    public List<string> Repositories { get; set; } = [];
}
