using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Copies rows by <c>INSERT … SELECT</c> in one transaction: begin, copy each table, then commit (or roll back
/// on failure). InnoDB reads an INSERT … SELECT's source with shared locks held to the commit (not from the
/// transaction's snapshot), so a copied table is held still until the end and the tables are consistent with
/// each other as of the copy, while writers to them wait.
/// </summary>
internal sealed class SqlRowCopier(MySqlConnection connection)
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

    private Task ExecuteAsync(string sql, CancellationToken cancellationToken, string? what = null) => CloneStatement.ExecuteAsync(connection, sql, what, cancellationToken);
}
