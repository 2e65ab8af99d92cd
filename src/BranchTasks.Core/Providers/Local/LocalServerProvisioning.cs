using System.Text;
using BranchTasks.Core.Sql;

namespace BranchTasks.Core.Providers.Local;

/// <summary>
/// The <c>--init-file</c> script that creates BranchTasks' accounts. The server runs it itself at start-up,
/// before any client can connect, so no account ever exists without its password. Idempotent, so a
/// lost credentials file can be healed by running it again with a new password. The shared app account
/// (<c>branchtasks_app</c>) is kept for old connection strings' sake but has no rights: the tunnel logs in
/// as a per-project app account (<see cref="Server.AppAccounts"/>).
/// </summary>
internal static class LocalServerProvisioning
{
    // With --skip-name-resolve, TCP clients match by address; 'localhost' covers the Unix socket.
    private static readonly string[] Hosts = ["127.0.0.1", "::1", "localhost"];

    public static string BuildInitScript(LocalServerCredentials credentials, ServerFlavor flavor)
    {
        var script = new StringBuilder();
        var password = SqlLiteral.Quote(credentials.AdminPassword);
        foreach (var host in Hosts)
        {
            var admin = Account(credentials.AdminUser, host);
            script.Append("CREATE USER IF NOT EXISTS ").Append(admin).Append(" IDENTIFIED BY ").Append(password).AppendLine(";");
            script.Append("ALTER USER ").Append(admin).Append(" IDENTIFIED BY ").Append(password).AppendLine(";");
            script.Append("GRANT ALL PRIVILEGES ON *.* TO ").Append(admin).AppendLine(" WITH GRANT OPTION;");

            var app = Account(credentials.AppUser, host);
            var appPassword = SqlLiteral.Quote(credentials.AppPassword ?? throw new InvalidOperationException("The app account needs a password."));
            script.Append("CREATE USER IF NOT EXISTS ").Append(app).Append(" IDENTIFIED BY ").Append(appPassword).AppendLine(";");
            script.Append("ALTER USER ").Append(app).Append(" IDENTIFIED BY ").Append(appPassword).AppendLine(";");
            script.Append("REVOKE ALL PRIVILEGES, GRANT OPTION FROM ").Append(app).AppendLine(";");
        }

        if (flavor == ServerFlavor.MySql)
        {
            // --initialize-insecure leaves root without a password; nobody but BranchTasks should get in.
            script.Append("ALTER USER 'root'@'localhost' IDENTIFIED BY ").Append(password).AppendLine(";");
        }

        script.AppendLine("FLUSH PRIVILEGES;");
        return script.ToString();
    }

    /// <summary>Statements that give an existing app account (made before it had a password) its password.</summary>
    public static IEnumerable<string> SetAppPassword(LocalServerCredentials credentials)
    {
        var appPassword = SqlLiteral.Quote(credentials.AppPassword ?? throw new InvalidOperationException("The app account needs a password."));
        foreach (var host in Hosts)
        {
            var app = Account(credentials.AppUser, host);
            yield return $"CREATE USER IF NOT EXISTS {app} IDENTIFIED BY {appPassword}";
            yield return $"ALTER USER {app} IDENTIFIED BY {appPassword}";
        }
    }

    /// <summary>Takes every right (ALL ON *.* in old data directories) from the shared app account; idempotent.</summary>
    public static IEnumerable<string> RevokeAppRights(string appUser) =>
        Hosts.Select(host => $"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {Account(appUser, host)}");

    private static string Account(string user, string host) => SqlLiteral.Quote(user) + "@" + SqlLiteral.Quote(host);
}
