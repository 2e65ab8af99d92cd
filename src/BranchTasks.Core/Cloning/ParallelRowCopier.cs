using System.Collections.Concurrent;
using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Copies the rows of a clone's tables by <c>INSERT … SELECT</c> on several connections at once, all of them from one
/// moment of the parent: one <c>LOCK TABLES … READ</c> on every parent table is taken first and held until the last
/// table's rows are in. The parent is readable throughout; its writers wait for the rows only, not for the indexes
/// built afterwards.
/// </summary>
/// <remarks>
/// A consistent snapshot per connection (lock, <c>START TRANSACTION WITH CONSISTENT SNAPSHOT</c>, unlock at once)
/// would block the parent for an instant only, but InnoDB reads the source of an <c>INSERT … SELECT</c> with locking
/// reads, as it is now, not from the transaction's snapshot: rows committed after the unlock would be copied. Only
/// reading the rows out to the client and sending them back (what a dump does) can use the snapshot, and that is the
/// cost this copy exists to avoid. So the lock lasts as long as the rows take.
/// </remarks>
internal sealed class ParallelRowCopier(SqlCopyAccess access)
{
    private const int LockWaitTimeout = 1205;

    /// <summary>
    /// Why the rows were not copied (null: they were) and which tables had their plain keys built after their rows.
    /// When not copied, the tables are empty and have all their indexes, for the one-transaction copy to fill.
    /// </summary>
    public async Task<(string? NotCopied, IReadOnlyList<string> KeysAfterRows)> TryCopyAsync(string source, string target, IReadOnlyList<TableDefinition> tables, CancellationToken cancellationToken)
    {
        var copied = tables.Where(t => t.Kind == TableKind.Table && t.CopyColumns.Count > 0).ToList();
        if (copied.Count == 0)
        {
            return (null, []);
        }

        var workers = new List<MySqlConnection>();
        MySqlConnection? locker = null;
        try
        {
            try
            {
                for (var i = 0; i < Math.Clamp(access.Connections, 1, copied.Count); i++)
                {
                    workers.Add(await CloneSession.OpenCopyConnectionAsync(access.OpenConnectionAsync, target, cancellationToken).ConfigureAwait(false));
                }

                locker = await access.OpenConnectionAsync(null, cancellationToken).ConfigureAwait(false);
            }
            catch (MySqlException e)
            {
                return ($"no further connection to the server could be opened ({e.Message})", []);
            }

            var plan = await ParallelCopyPlan.ReadAsync(workers[0], source, copied, access.DeferIndexesFromBytes, cancellationToken).ConfigureAwait(false);

            // On the still empty tables, before the lock: the parent waits for none of this.
            await ForEachAsync(workers, plan.Deferred, (on, d, ct) => CloneStatement.ExecuteAsync(on, SecondaryIndexes.DropStatement(target, d.Table.Name, d.Keys), CloneStatement.TableStep(d.Table.Name), ct), cancellationToken).ConfigureAwait(false);

            var notLocked = await LockAsync(locker, source, plan.Tables, cancellationToken).ConfigureAwait(false);
            if (notLocked is null)
            {
                try
                {
                    await ForEachAsync(workers, plan.Tables, (on, table, ct) => CopyAsync(on, source, target, table, ct), cancellationToken).ConfigureAwait(false);
                    if (access.WhileLocked is { } whileLocked)
                    {
                        await whileLocked().ConfigureAwait(false);
                    }
                }
                finally
                {
                    await UnlockQuietlyAsync(locker).ConfigureAwait(false);
                }
            }

            // One ALTER per table, so each builds all its indexes in one pass over the rows.
            await ForEachAsync(workers, plan.Deferred, (on, d, ct) => CloneStatement.ExecuteAsync(on, SecondaryIndexes.AddStatement(target, d.Table.Name, d.Keys), CloneStatement.TableStep(d.Table.Name), ct), cancellationToken).ConfigureAwait(false);
            return (notLocked, notLocked is null ? plan.Deferred.Select(d => d.Table.Name).ToList() : []);
        }
        finally
        {
            foreach (var connection in workers)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            if (locker is not null)
            {
                await locker.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Null when the parent is locked; else why not (nothing is locked then).</summary>
    private async Task<string?> LockAsync(MySqlConnection locker, string source, IReadOnlyList<TableDefinition> tables, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(access.LockWait.TotalSeconds));
        try
        {
            await CloneStatement.ExecuteAsync(locker, $"SET SESSION lock_wait_timeout = {seconds}", null, cancellationToken).ConfigureAwait(false);

            // All at once: one moment for every table, and the lock waits once, not once per table.
            await CloneStatement.ExecuteAsync(locker, "LOCK TABLES " + string.Join(", ", tables.Select(t => SqlIdentifier.Quote(source, t.Name) + " READ")), null, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (MySqlException e) when (e.Number == LockWaitTimeout)
        {
            return $"the parent's tables could not be locked for reading within {seconds} s";
        }
        catch (MySqlException e)
        {
            // Most often the account lacks LOCK TABLES on the parent.
            return $"the parent's tables could not be locked for reading ({e.Message})";
        }
    }

    // A pooled connection keeps its session (and so the lock) until it is reused; the lock must end here.
    private static async Task UnlockQuietlyAsync(MySqlConnection locker)
    {
        try
        {
            await CloneStatement.ExecuteAsync(locker, "UNLOCK TABLES", null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            // A broken session: the server releases its locks with it.
            MySqlConnection.ClearPool(locker);
        }
    }

    private static Task CopyAsync(MySqlConnection on, string source, string target, TableDefinition table, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", table.CopyColumns.Select(SqlIdentifier.Quote));
        return CloneStatement.ExecuteAsync(
            on,
            $"INSERT INTO {SqlIdentifier.Quote(target, table.Name)} ({columns}) SELECT {columns} FROM {SqlIdentifier.Quote(source, table.Name)}",
            $"the rows of table {SqlIdentifier.Quote(table.Name)}",
            cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="action"/> for every item, each connection taking the next item when it is free. The first
    /// failure stops the others (their statements are cancelled) and is the one thrown.
    /// </summary>
    private static async Task ForEachAsync<T>(IReadOnlyList<MySqlConnection> connections, IReadOnlyList<T> items, Func<MySqlConnection, T, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var queue = new ConcurrentQueue<T>(items);
        Exception? first = null;
        var runs = connections.Take(items.Count).Select(async connection =>
        {
            try
            {
                while (!stop.IsCancellationRequested && queue.TryDequeue(out var item))
                {
                    await action(connection, item, stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                // Only the first failure counts: the others are mostly the cancellations it caused.
                Interlocked.CompareExchange(ref first, e, null);
                await stop.CancelAsync().ConfigureAwait(false);
            }
        }).ToList();
        await Task.WhenAll(runs).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }
}
