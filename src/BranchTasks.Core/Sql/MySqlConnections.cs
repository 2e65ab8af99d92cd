using MySqlConnector;

namespace BranchTasks.Core.Sql;

public static class MySqlConnections
{
    /// <summary>Opens a connection, disposing it when the open fails (a half-made connection would otherwise leak its socket).</summary>
    public static async Task<MySqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(connectionString);
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
