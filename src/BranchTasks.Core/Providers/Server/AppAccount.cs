using BranchTasks.Core.Sql;

namespace BranchTasks.Core.Providers.Server;

/// <summary>The account the tunnel logs in as for one project on one server: rights on that project's branch databases only.</summary>
/// <param name="Password">Held by the daemon only; never logged.</param>
public sealed record AppAccount(string User, string Host, string Password)
{
    /// <summary><c>'user'@'host'</c>, quoted for SQL: the account in GRANT/REVOKE and as a DEFINER.</summary>
    public string Definer => SqlLiteral.Quote(User) + "@" + SqlLiteral.Quote(Host);

    // The generated ToString would print the password.
    public override string ToString() => $"{nameof(AppAccount)} {{ {User}@{Host} }}";
}
