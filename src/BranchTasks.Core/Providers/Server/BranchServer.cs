using BranchTasks.Core.Tunnel;
using MySqlConnector;

namespace BranchTasks.Core.Providers.Server;

/// <summary>
/// A MySQL/MariaDB server on which every branch is a database: the private server of the <c>local</c>
/// provider or a team's shared server (<c>mysql</c>). Knows how the daemon reaches it as admin and how
/// the tunnel logs in for the app.
/// </summary>
/// <param name="Admin">Admin connection settings (no database); cloning, dropping and metadata use it.</param>
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
    public MySqlConnectionStringBuilder CreateAdminConnectionString(string? database = null) =>
        new(Admin.ConnectionString) { Database = database ?? string.Empty };

    public Task<MySqlConnection> OpenAdminConnectionAsync(CancellationToken cancellationToken, string? database = null) =>
        Sql.MySqlConnections.OpenAsync(CreateAdminConnectionString(database).ConnectionString, cancellationToken);

    /// <summary>
    /// On a shared server, the login that must own <see cref="MetadataSchema"/> (the first login to use a prefix
    /// claims it); null on the private server, which is one user's anyway.
    /// </summary>
    public string? SchemaOwner { get; init; }

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

    /// <summary>MySqlConnector's TLS settings for <paramref name="tls"/>, so the daemon's own connections follow the same rule as the tunnel.</summary>
    public static void ApplyTls(MySqlConnectionStringBuilder builder, UpstreamTlsPolicy tls)
    {
        builder.SslMode = tls.Check switch
        {
            UpstreamCertificateCheck.Full => MySqlSslMode.VerifyFull,
            UpstreamCertificateCheck.Ca => MySqlSslMode.VerifyCA,
            _ => tls.Required ? MySqlSslMode.Required : MySqlSslMode.Preferred,
        };
        if (tls.CaCertificateFile is not null)
        {
            builder.SslCa = tls.CaCertificateFile;
        }
    }

    // The generated ToString would print the admin password (inside the connection string builder).
    public override string ToString() => $"{nameof(BranchServer)} {{ Host = {Host}, Port = {Port}, UpstreamUser = {UpstreamUser}, MetadataSchema = {MetadataSchema} }}";
}
