using MySqlConnector;

namespace BranchTasks.Core.Ensure;

/// <summary>
/// The connection string handed to apps: loopback, the tunnel's port, the branch database, never the upstream password
/// (only the tunnel's own local password when <c>"localAuth": "token"</c>). TLS is off: the tunnel does not offer it on loopback.
/// </summary>
public static class TunnelConnectionString
{
    public static string Build(int port, string database, string user, string? localPassword = null)
    {
        var builder = new MySqlConnectionStringBuilder
        {
            Server = "127.0.0.1",
            Port = (uint)port,
            Database = database,
            UserID = user,
        };
        if (localPassword is not null)
        {
            builder.Password = localPassword;
        }

        return builder.ConnectionString;
    }
}
