namespace BranchTasks.Core.Providers.Server;

/// <summary>How a server's per-project app accounts are made: the host they log in from, where their passwords come from, and what happens where the admin may not make them.</summary>
/// <param name="Host">The account's host part: the private server sees the tunnel on 127.0.0.1; a shared one from anywhere.</param>
/// <param name="PasswordFor">The password of an account name (derived or kept 0600; never logged).</param>
/// <param name="OnFallback">
/// Null: the account must be made (the private server's admin always can). Else the admin login may lack
/// CREATE USER or GRANT OPTION; this is told why, once per server, and the tunnel logs in as the admin.
/// </param>
/// <param name="Owner">Whose accounts these are on a shared server (the admin login); empty on the private server, which is one user's.</param>
public sealed record AppAccountPolicy(string Host, Func<string, string> PasswordFor, Action<string>? OnFallback = null, string Owner = "")
{
    public const string LoopbackHost = "127.0.0.1";

    /// <summary>How the server names clients of its Unix socket.</summary>
    public const string SocketHost = "localhost";
    public const string AnyHost = "%";

    /// <summary>The private server: passwords derived from the secret in its 0600 credentials file.</summary>
    public static AppAccountPolicy ForLocal(string secret)
    {
        // An empty secret would make every password guessable.
        ArgumentException.ThrowIfNullOrEmpty(secret);
        // Windows: the server has no Unix socket there, and the tunnel keeps TCP.
        return new(LoopbackHost, user => AppAccounts.DerivePassword(secret, user)) { AlsoSocket = !OperatingSystem.IsWindows() };
    }

    /// <summary>The accounts also exist at <see cref="SocketHost"/>: the tunnel reaches the private server over its Unix socket (over TCP only when the socket is gone).</summary>
    public bool AlsoSocket { get; init; }

    public AppAccount AccountFor(string metadataSchema, string project)
    {
        var user = AppAccounts.NameFor(metadataSchema, project, Owner);
        return new AppAccount(user, Host, PasswordFor(user)) { SocketHost = AlsoSocket ? SocketHost : null };
    }
}
