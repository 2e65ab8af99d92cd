using BranchTasks.Core.Sql;

namespace BranchTasks.Core.Providers.Server;

/// <summary>The account the tunnel logs in as for one project on one server: rights on that project's branch databases only.</summary>
/// <param name="Password">Held by the daemon only; never logged.</param>
public sealed record AppAccount(string User, string Host, string Password)
{
    /// <summary><c>'user'@'host'</c>, quoted for SQL: the account in GRANT/REVOKE and as a DEFINER.</summary>
    public string Definer => SqlLiteral.Quote(User) + "@" + SqlLiteral.Quote(Host);

    /// <summary>
    /// A second host part with the same password and rights: 'localhost' on the private server, which names every
    /// client of its Unix socket (where the tunnel logs in) so. <see cref="Definer"/> stays the one at <see cref="Host"/>.
    /// </summary>
    public string? SocketHost { get; init; }

    /// <summary>Every <c>'user'@'host'</c> of this account, <see cref="Definer"/> first: what is created, granted and revoked.</summary>
    public IEnumerable<string> Accounts => SocketHost is null ? [Definer] : [Definer, SqlLiteral.Quote(User) + "@" + SqlLiteral.Quote(SocketHost)];

    // The generated ToString would print the password.
    public override string ToString() => $"{nameof(AppAccount)} {{ {User}@{Host} }}";
}
