using MySqlConnector;

namespace BranchTasks.Core.Providers.Local;

/// <summary>A running private server and the accounts BranchTasks made on it.</summary>
/// <param name="AdminUser">Full rights, password-protected; only BranchTasks itself uses it.</param>
/// <param name="AppUser">The shared app account of old data directories, kept without rights; its name is what apps see in their connection string.</param>
/// <param name="AppPassword">Its password.</param>
public sealed record LocalServerEndpoint(
    string Host,
    int Port,
    string AdminUser,
    string AdminPassword,
    string AppUser,
    string AppPassword,
    int ProcessId,
    string ServerVersion)
{
    /// <summary>The secret the per-project app accounts' passwords are derived from (from the 0600 credentials file).</summary>
    public string AccountSecret { get; init; } = string.Empty;

    /// <summary>
    /// The server's data directory, inside the developer's own state directory: clones copy InnoDB tables there
    /// as files. Null: clones copy every table by SQL.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// The server's Unix socket, inside the user's own 0700 state directory (or runtime folder); the tunnel's
    /// upstream leg goes there, without TLS. Null on Windows, where the server has no Unix socket (the tunnel
    /// keeps TCP with TLS there).
    /// </summary>
    public string? UnixSocket { get; init; }

    /// <summary>An admin connection string; loopback only, so no TLS.</summary>
    public MySqlConnectionStringBuilder CreateAdminConnectionString(string? database = null) => new()
    {
        Server = Host,
        Port = (uint)Port,
        UserID = AdminUser,
        Password = AdminPassword,
        Database = database ?? string.Empty,
        Pooling = true,
        AllowUserVariables = true,
        SslMode = MySqlSslMode.None,
        ConnectionTimeout = 10,
    };

    /// <summary>A direct connection string for the app account, with its password (for the daemon and tests; apps go through the tunnel).</summary>
    public MySqlConnectionStringBuilder CreateAppConnectionString(string? database = null) => new()
    {
        Server = Host,
        Port = (uint)Port,
        UserID = AppUser,
        Password = AppPassword,
        Database = database ?? string.Empty,
        Pooling = true,
        SslMode = MySqlSslMode.None,
        ConnectionTimeout = 10,
    };

    public Task<MySqlConnection> OpenAdminConnectionAsync(CancellationToken cancellationToken, string? database = null) =>
        Sql.MySqlConnections.OpenAsync(CreateAdminConnectionString(database).ConnectionString, cancellationToken);

    // The generated ToString would print the admin password into logs and test output.
    public override string ToString() =>
        $"{nameof(LocalServerEndpoint)} {{ Host = {Host}, Port = {Port}, AdminUser = {AdminUser}, AppUser = {AppUser}, UnixSocket = {UnixSocket ?? "none"}, ProcessId = {ProcessId}, ServerVersion = {ServerVersion} }}";
}
