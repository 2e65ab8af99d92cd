using MySqlConnector;

namespace BranchTasks.Core.Ensure;

/// <summary>The connection string handed to apps: loopback, the tunnel's port, the branch database, never a password.</summary>
public static class TunnelConnectionString
{
    public static string Build(int port, string database, string user)
    {
        var builder = new MySqlConnectionStringBuilder
        {
            Server = "127.0.0.1",
            Port = (uint)port,
            Database = database,
            UserID = user,
        };
        return builder.ConnectionString;
    }
}
