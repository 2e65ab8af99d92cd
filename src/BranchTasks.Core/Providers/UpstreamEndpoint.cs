namespace BranchTasks.Core.Providers;

/// <summary>Where the tunnel connects for one branch, and with which credentials (held by the daemon only).</summary>
public sealed record UpstreamEndpoint(string Host, int Port, string User, string? Password, string Database)
{
    public UpstreamTlsPolicy Tls { get; init; } = UpstreamTlsPolicy.Opportunistic;

    /// <summary>
    /// The server is on this machine, so no man in the middle can pose as it: only then may the tunnel fetch the
    /// server's RSA key or send the password over a leg whose certificate was not verified. Computed once from
    /// the host where the endpoint is built; a test may declare a loopback fake non-loopback.
    /// </summary>
    public bool IsLoopback { get; init; } = LoopbackHost.Is(Host);

    /// <summary>
    /// The server's Unix socket, dialled instead of <see cref="Host"/>:<see cref="Port"/> and without TLS. Only the
    /// private server's is ever set: it sits in a folder only this OS user can enter (the 0700 state directory, or
    /// the user's own runtime folder), so whoever answers there is this user's own server and nothing on the way
    /// can read or change the bytes; TLS would only add cost.
    /// </summary>
    public string? UnixSocket { get; init; }

    /// <summary>Where the tunnel dials, for messages and logs: <c>host:port</c> or <c>unix:/path</c>.</summary>
    public string Address => UnixSocket is null ? $"{Host}:{Port}" : "unix:" + UnixSocket;

    /// <summary>The user name apps put in their connection string (the tunnel ignores it); stable even when <see cref="User"/> rotates.</summary>
    public string AppUser { get => field ?? User; init; }

    /// <summary>
    /// Set by a provider whose credentials rotate: the tunnel holds it for each connection made with these
    /// credentials, so they are not deleted under an open connection.
    /// </summary>
    public UpstreamUsage? Usage { get; init; }

    /// <summary>Same server, same database: only the credentials (or nothing) differ.</summary>
    public bool IsSamePlace(UpstreamEndpoint other) =>
        string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase) && Port == other.Port && Database == other.Database && Tls == other.Tls && UnixSocket == other.UnixSocket;

    // The generated ToString would print the password into logs, exceptions and test output.
    public override string ToString() =>
        $"{nameof(UpstreamEndpoint)} {{ Host = {Host}, Port = {Port}, UnixSocket = {UnixSocket ?? "none"}, User = {User}, Password = {(Password is null ? "none" : "***")}, Database = {Database} }}";
}
