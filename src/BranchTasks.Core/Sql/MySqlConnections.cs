using MySqlConnector;

namespace BranchTasks.Core.Sql;

public static class MySqlConnections
{
    public static Task<MySqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken) =>
        OpenAsync(new MySqlConnection(connectionString), cancellationToken);

    /// <summary>Opens a connection, disposing it when the open fails (a half-made connection would otherwise leak its socket).</summary>
    public static async Task<MySqlConnection> OpenAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
