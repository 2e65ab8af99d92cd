using System.Security.Cryptography;
using System.Text;
using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Providers.Server;

/// <summary>
/// Per-project app accounts: what they are called, and the grants that let them do DDL and DML on the
/// project's branch databases and nothing else on the server.
/// </summary>
public static class AppAccounts
{
    /// <summary>
    /// Database-level only: no FILE, SUPER, PROCESS, SHUTDOWN, RELOAD, CREATE USER or GRANT OPTION, all of
    /// which exist only globally (or, for GRANT OPTION, are never given here). Names valid on MySQL 8 and MariaDB 10.x/11.x.
    /// </summary>
    public const string DatabasePrivileges =
        "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, " +
        "CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER, REFERENCES";

    private const string NamePrefix = "bt_";

    // MySQL 8 user names hold at most 32 characters; 3 + 24 fit, and 96 bits of hash never collide by chance.
    private const int HashCharacters = 24;

    // Access denied (1044, 1045, 1142, 1227), CREATE USER refused to grant (1410), password policy (1819):
    // the admin may not make accounts on this server.
    private static readonly HashSet<int> NotAllowed = [1044, 1045, 1142, 1227, 1410, 1819];

    // No such grant (1141) or user (1269, 1396): nothing to revoke.
    private static readonly HashSet<int> NothingToRevoke = [1141, 1147, 1269, 1396];

    /// <summary>
    /// The one place an account name is derived: per server area (<paramref name="metadataSchema"/>), project and
    /// <paramref name="owner"/> (on a shared server the developer's admin login, so two developers who share a
    /// prefix never share, or reset each other's password of, one account), so two projects on one server, or two
    /// prefixes on a shared one, never share an account.
    /// </summary>
    public static string NameFor(string metadataSchema, string project, string owner = "")
    {
        var identity = metadataSchema + "\0" + project + (owner.Length == 0 ? "" : "\0" + owner);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(identity));
        return NamePrefix + Convert.ToHexStringLower(hash)[..HashCharacters];
    }

    /// <summary>The password of <paramref name="user"/> derived from a per-server secret, so nothing more needs storing.</summary>
    public static string DerivePassword(string secret, string user) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(user)));

    /// <summary>
    /// <c>_</c> and <c>%</c> are wildcards in a database-level grant: <c>shop_main</c> would also match
    /// <c>shopXmain</c>. Escaped, the grant names exactly one database.
    /// </summary>
    public static string GrantTarget(string database) =>
        SqlIdentifier.Quote(database.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)) + ".*";

    /// <summary>Creates <paramref name="account"/> (or resets its password) and grants it <paramref name="database"/>; idempotent.</summary>
    public static async Task GrantAsync(MySqlConnection admin, AppAccount account, string database, CancellationToken cancellationToken)
    {
        var password = SqlLiteral.Quote(account.Password);
        var sql = string.Concat(account.Accounts.Select(name =>
            $"CREATE USER IF NOT EXISTS {name} IDENTIFIED BY {password};" +
            $"ALTER USER {name} IDENTIFIED BY {password};" +
            $"GRANT {DatabasePrivileges} ON {GrantTarget(database)} TO {name};"));
        await using var command = new MySqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when <paramref name="e"/> says the admin login may not create accounts or grant rights here.</summary>
    public static bool IsNotAllowed(MySqlException e) => NotAllowed.Contains(e.Number);

    /// <summary>
    /// Removes <paramref name="account"/>'s rights on <paramref name="database"/>. DROP DATABASE leaves them in
    /// place, and a later database of the same name would inherit them.
    /// </summary>
    public static async Task RevokeAsync(MySqlConnection admin, AppAccount account, string database, CancellationToken cancellationToken)
    {
        foreach (var name in account.Accounts)
        {
            try
            {
                await using var command = new MySqlCommand($"REVOKE ALL PRIVILEGES ON {GrantTarget(database)} FROM {name}", admin);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (MySqlException e) when (NothingToRevoke.Contains(e.Number) || IsNotAllowed(e))
            {
                // Never granted (an older branch, or a server where the admin login is the tunnel's).
            }
        }
    }
}
