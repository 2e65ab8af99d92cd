namespace BranchTasks.Core.Configuration;

/// <summary>
/// Settings of the <c>mysql</c> provider (the <c>"mysql"</c> object): a shared MySQL/MariaDB server. The admin
/// credentials are never here: they come from BRANCHTASKS_MYSQL_USER / BRANCHTASKS_MYSQL_PASSWORD or user secrets,
/// and go only to the server BRANCHTASKS_MYSQL_HOST binds them to.
/// </summary>
public sealed record MySqlSettings
{
    public required string Host { get; init; }

    public int Port { get; init; } = 3306;

    /// <summary>
    /// Prefixes every database BranchTasks creates there (e.g. "alice_"), so many developers and projects share one
    /// server. Null (not set): each developer's own, derived from their login (<see cref="Providers.Server.MySqlDatabasePrefix"/>).
    /// </summary>
    public string? DatabasePrefix { get; init; }

    /// <summary>"verify-full" (the default), "verify-ca", "unverified" or "unverified-or-plaintext".</summary>
    public string Tls { get; init; } = "verify-full";

    /// <summary>Full path of extra trusted CA certificates (PEM) for the server's certificate.</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>The user-secrets store to read credentials from, when the environment has none.</summary>
    public string? UserSecretsId { get; init; }
}
