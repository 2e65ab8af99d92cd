using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Copies rows by <c>INSERT … SELECT</c> inside one consistent snapshot, so rows that reference each other
/// are copied from the same moment. Begin, copy each table, then commit (or roll back on failure).
/// </summary>
internal sealed class SnapshotRowCopier(MySqlConnection connection)
{
    public async Task BeginAsync(CancellationToken cancellationToken)
    {
        await ExecuteAsync("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync("START TRANSACTION WITH CONSISTENT SNAPSHOT", cancellationToken).ConfigureAwait(false);
    }

    public async Task CopyAsync(string source, string target, TableDefinition table, CancellationToken cancellationToken)
    {
        if (table.Kind != TableKind.Table || table.CopyColumns.Count == 0)
        {
            return;
        }

        var columns = string.Join(", ", table.CopyColumns.Select(SqlIdentifier.Quote));
        await ExecuteAsync(
            $"INSERT INTO {SqlIdentifier.Quote(target, table.Name)} ({columns}) SELECT {columns} FROM {SqlIdentifier.Quote(source, table.Name)}",
            cancellationToken,
            $"the rows of table {SqlIdentifier.Quote(table.Name)}").ConfigureAwait(false);
    }

    public Task CommitAsync(CancellationToken cancellationToken) => ExecuteAsync("COMMIT", cancellationToken);

    /// <summary>After a failure: ends the transaction if the connection still can; the original error is the one to report.</summary>
    public async Task RollBackQuietlyAsync()
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await ExecuteAsync("ROLLBACK", CancellationToken.None).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, string? what = null)
    {
        await using var command = new MySqlCommand(sql, connection) { CommandTimeout = 0 };
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (what is not null)
        {
            throw new CloneStepException(what, e);
        }
    }
}
