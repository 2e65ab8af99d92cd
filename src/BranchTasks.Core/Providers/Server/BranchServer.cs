using MySqlConnector;

namespace BranchTasks.Core.Providers.Server;

/// <summary>
/// A MySQL/MariaDB server on which every branch is a database: the private server of the <c>local</c>
/// provider or a team's shared server (<c>mysql</c>). Knows how the daemon reaches it as admin and how
/// the tunnel logs in for the app.
/// </summary>
/// <param name="Admin">Admin connection settings (no database, no TLS settings: <see cref="Tls"/> decides); cloning, dropping and metadata use it.</param>
/// <param name="UpstreamUser">
/// The login the tunnel uses where there is no per-project app account (<see cref="Accounts"/> null, or the
/// admin may not make one); also the user name apps see in their connection string.
/// </param>
/// <param name="UpstreamPassword">Its password: held by the daemon, never handed to apps.</param>
/// <param name="MetadataSchema">The database holding the metadata records.</param>
public sealed record BranchServer(
    string Host,
    int Port,
    MySqlConnectionStringBuilder Admin,
    string UpstreamUser,
    string? UpstreamPassword,
    UpstreamTlsPolicy Tls,
    string MetadataSchema)
{
    /// <summary>An admin connection under <see cref="Tls"/>, the same certificate rule as the tunnel's.</summary>
    public Task<MySqlConnection> OpenAdminConnectionAsync(CancellationToken cancellationToken, string? database = null) =>
        Tls.OpenAsync(new MySqlConnectionStringBuilder(Admin.ConnectionString) { Database = database ?? string.Empty }, cancellationToken);

    /// <summary>
    /// On a shared server, the login that must own <see cref="MetadataSchema"/> (the first login to use a prefix
    /// claims it); null on the private server, which is one user's anyway.
    /// </summary>
    public string? SchemaOwner { get; init; }

    /// <summary>
    /// The server's data directory where this process may read and write its files (the private server's);
    /// clones then copy InnoDB tables as files. Null (a shared server): every table is copied by SQL.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>How the tunnel's per-project app accounts are made here; null: the tunnel logs in as <see cref="UpstreamUser"/>.</summary>
    public AppAccountPolicy? Accounts { get; init; }

    /// <summary>The private server's Unix socket, which the tunnel dials instead of <see cref="Host"/>:<see cref="Port"/> (see <see cref="UpstreamEndpoint.UnixSocket"/>).</summary>
    public string? UnixSocket { get; init; }

    public UpstreamEndpoint UpstreamFor(string database) =>
        new(Host, Port, UpstreamUser, UpstreamPassword, database) { Tls = Tls, UnixSocket = UnixSocket };

    /// <summary>The tunnel's endpoint logging in as <paramref name="account"/> (null: as <see cref="UpstreamUser"/>); apps keep seeing the same user name.</summary>
    public UpstreamEndpoint UpstreamFor(string database, AppAccount? account) =>
        account is null
            ? UpstreamFor(database)
            : new(Host, Port, account.User, account.Password, database) { Tls = Tls, AppUser = UpstreamUser, UnixSocket = UnixSocket };

    // The generated ToString would print the admin password (inside the connection string builder).
    public override string ToString() => $"{nameof(BranchServer)} {{ Host = {Host}, Port = {Port}, UpstreamUser = {UpstreamUser}, MetadataSchema = {MetadataSchema} }}";
}
