using System.Collections.Concurrent;
using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Fills the (already created, empty) tables of a clone: InnoDB tables by copying their tablespace files
/// (transportable tablespaces), small InnoDB tables by SQL while the same export lock holds them still, the rest
/// by SQL afterwards. Every file table and small table comes from one moment: the export lock on all of them is
/// taken at once. The SQL copies afterwards run in one transaction; InnoDB reads the source of an
/// <c>INSERT … SELECT</c> with shared locks, so each such table is copied as it is then (and held still until
/// the copy commits), not as of the export lock. The parent is blocked for writes only while its files and its
/// small tables are copied.
/// </summary>
/// <remarks>
/// Order: DISCARD the child tables' tablespaces; <c>FLUSH TABLES … FOR EXPORT</c> of all parent file and small
/// tables on a second connection; start the snapshot on the clone's connection; copy the .ibd and .cfg files
/// while a few connections copy the small tables' rows; <c>UNLOCK TABLES</c>; IMPORT on a few connections at
/// once; copy the other SQL tables in the snapshot. A table whose import fails is re-created and copied by SQL.
/// On failure the tables still without a tablespace are dropped and the files this clone wrote removed; the
/// caller drops the child database.
/// </remarks>
/// <remarks>
/// InnoDB refuses to drop a table without tablespace that another such table references (MariaDB 10.11 answers
/// with a lock wait timeout, as it does to DROP DATABASE then), so those tables are dropped referencing ones
/// first, in rounds, before anything else drops them.
/// </remarks>
internal sealed class TablespaceCloner(MySqlConnection connection, TablespaceAccess access)
{
    private const int LockWaitTimeout = 1205;

    public async Task<CloneReport> CopyRowsAsync(string source, string target, IReadOnlyList<TableDefinition> tables, CancellationToken cancellationToken)
    {
        var plan = await TablespacePlan.ReadAsync(connection, access, source, target, tables, cancellationToken).ConfigureAwait(false);
        var bySql = plan.BySql.Select(s => new TableCopiedBySql(s.Table.Name, s.Reason)).ToList();
        var sqlTables = plan.BySql.Select(s => s.Table).ToList();
        var rows = new SqlRowCopier(connection);
        var written = new ConcurrentBag<string>();
        var imported = new ConcurrentBag<string>();
        var underLock = new List<string>();
        try
        {
            if (plan.Files.Count + plan.Small.Count > 0)
            {
                // Each DDL statement waits for its commit to be durable; a few at once share those waits.
                await ForEachOnConnectionsAsync(target, plan.Files, (on, file) =>
                    CloneStatement.ExecuteAsync(on, $"ALTER TABLE {SqlIdentifier.Quote(target, file.Table.Name)} DISCARD TABLESPACE", CloneStatement.TableStep(file.Table.Name), cancellationToken), cancellationToken).ConfigureAwait(false);

                var notLocked = await CopyUnderExportLockAsync(source, target, plan, rows, written, cancellationToken).ConfigureAwait(false);
                if (notLocked is null)
                {
                    underLock.AddRange(plan.Small.Select(t => t.Name));
                    if (access.AfterUnlock is { } afterUnlock)
                    {
                        await afterUnlock().ConfigureAwait(false);
                    }

                    var failed = await ImportAsync(target, plan.Files, imported, cancellationToken).ConfigureAwait(false);
                    if (failed.Count > 0)
                    {
                        await using var fixer = await OpenCopySessionAsync(target, cancellationToken).ConfigureAwait(false);
                        await RecreateAsync(fixer, target, failed.Select(f => f.File).ToList(), cancellationToken).ConfigureAwait(false);
                        foreach (var (file, error) in failed)
                        {
                            bySql.Add(new TableCopiedBySql(file.Table.Name, $"import failed: {error.Message}"));
                            sqlTables.Add(file.Table);
                        }
                    }
                }
                else
                {
                    // Writers kept the parent busy (or the account may not lock): the tables become plain empty tables again and go by SQL.
                    await RecreateAsync(connection, target, plan.Files, cancellationToken).ConfigureAwait(false);
                    foreach (var table in plan.Locked)
                    {
                        bySql.Add(new TableCopiedBySql(table.Name, notLocked));
                        sqlTables.Add(table);
                    }

                    await rows.BeginAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await rows.BeginAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var table in sqlTables)
            {
                await rows.CopyAsync(source, target, table, cancellationToken).ConfigureAwait(false);
            }

            await rows.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await rows.RollBackQuietlyAsync().ConfigureAwait(false);
            await DropDiscardedQuietlyAsync(target, plan.Files.Where(f => !imported.Contains(f.TargetFile)).ToList()).ConfigureAwait(false);
            foreach (var path in written.Where(p => !imported.Contains(p)))
            {
                DeleteQuietly(path);
            }

            throw;
        }

        return new CloneReport(plan.Files.Select(f => f.Table.Name).Where(n => !bySql.Any(s => s.Table == n)).ToList(), bySql) { UnderExportLock = underLock };
    }

    /// <summary>Null when the files and small tables were copied; else why the export lock was not granted (nothing copied, no snapshot started).</summary>
    private async Task<string?> CopyUnderExportLockAsync(string source, string target, TablespacePlan plan, SqlRowCopier rows, ConcurrentBag<string> written, CancellationToken cancellationToken)
    {
        await using var locker = await access.OpenConnectionAsync(null, cancellationToken).ConfigureAwait(false);
        await CloneStatement.ExecuteAsync(locker, $"SET SESSION lock_wait_timeout = {Math.Max(1, (int)Math.Ceiling(access.ExportLockWait.TotalSeconds))}", null, cancellationToken).ConfigureAwait(false);
        try
        {
            // All at once: one moment for every table, and the lock waits once, not once per table.
            await CloneStatement.ExecuteAsync(locker, $"FLUSH TABLES {string.Join(", ", plan.Locked.Select(t => SqlIdentifier.Quote(source, t.Name)))} FOR EXPORT", null, cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (e.Number == LockWaitTimeout)
        {
            return $"the parent's tables could not be locked for export within {access.ExportLockWait.TotalSeconds:0} s";
        }
        catch (MySqlException e) when (TablespacePlan.IsRefused(e))
        {
            // FLUSH … FOR EXPORT takes RELOAD and LOCK TABLES.
            return $"the account may not lock the parent's tables for export ({e.Message})";
        }

        try
        {
            await rows.BeginAsync(cancellationToken).ConfigureAwait(false);

            // The export lock lets readers in and holds every writer off, so an INSERT … SELECT now reads the
            // small tables as of the lock's moment, like the files.
            var smallTables = ForEachOnConnectionsAsync(target, plan.Small, (on, table) =>
                new SqlRowCopier(on).CopyAsync(source, target, table, cancellationToken), cancellationToken);
            var files = CopyFilesAsync(plan.Files, written, cancellationToken);
            await Task.WhenAll(smallTables, files).ConfigureAwait(false);

            if (access.WhileLocked is { } whileLocked)
            {
                await whileLocked().ConfigureAwait(false);
            }
        }
        finally
        {
            await UnlockQuietlyAsync(locker).ConfigureAwait(false);
        }

        return null;
    }

    private static async Task CopyFilesAsync(IReadOnlyList<FileTable> files, ConcurrentBag<string> written, CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            written.Add(file.TargetFile);
            await TablespaceFileCopier.CopyAsync(file.SourceFile, file.TargetFile, cancellationToken).ConfigureAwait(false);
            var config = FileTable.ConfigFile(file.SourceFile);
            if (File.Exists(config))
            {
                written.Add(FileTable.ConfigFile(file.TargetFile));
                await TablespaceFileCopier.CopyAsync(config, FileTable.ConfigFile(file.TargetFile), cancellationToken).ConfigureAwait(false);
            }
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

    /// <summary>Runs after a failure, so the caller can drop the child database: cannot be cancelled, reports nothing.</summary>
    private async Task DropDiscardedQuietlyAsync(string target, List<FileTable> discarded)
    {
        if (discarded.Count == 0)
        {
            return;
        }

        try
        {
            await using var dropper = await OpenCopySessionAsync(target, CancellationToken.None).ConfigureAwait(false);
            await DropInRoundsAsync(dropper, target, discarded, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            // The original failure is the one worth reporting; the caller's drop tries again.
        }
        catch (CloneStepException)
        {
        }
    }

    private Task<MySqlConnection> OpenCopySessionAsync(string target, CancellationToken cancellationToken) =>
        CloneSession.OpenCopyConnectionAsync(access.OpenConnectionAsync, target, cancellationToken);

    private async Task<List<(FileTable File, MySqlException Error)>> ImportAsync(string target, IReadOnlyList<FileTable> files, ConcurrentBag<string> imported, CancellationToken cancellationToken)
    {
        var failed = new ConcurrentBag<(FileTable, MySqlException)>();
        await ForEachOnConnectionsAsync(target, files, async (importer, file) =>
        {
            try
            {
                await CloneStatement.ExecuteAsync(importer, $"ALTER TABLE {SqlIdentifier.Quote(target, file.Table.Name)} IMPORT TABLESPACE", null, cancellationToken).ConfigureAwait(false);
                imported.Add(file.TargetFile);
            }
            catch (MySqlException e)
            {
                failed.Add((file, e));
            }
            finally
            {
                // The server reads the .cfg during the import and never again.
                DeleteQuietly(FileTable.ConfigFile(file.TargetFile));
            }
        }, cancellationToken).ConfigureAwait(false);
        return failed.ToList();
    }

    /// <summary>Runs <paramref name="action"/> for every item, on a few copy sessions at once (none for no items).</summary>
    private async Task ForEachOnConnectionsAsync<T>(string target, IReadOnlyList<T> items, Func<MySqlConnection, T, Task> action, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        var queue = new ConcurrentQueue<T>(items);
        var workers = Enumerable.Range(0, Math.Clamp(access.ImportConnections, 1, items.Count)).Select(async _ =>
        {
            await using var session = await OpenCopySessionAsync(target, cancellationToken).ConfigureAwait(false);
            while (queue.TryDequeue(out var item))
            {
                await action(session, item).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    /// <summary>Back to empty tables with tablespaces of their own, for the SQL copy (on a session that copies: foreign key checks off).</summary>
    private static async Task RecreateAsync(MySqlConnection on, string target, IReadOnlyList<FileTable> files, CancellationToken cancellationToken)
    {
        await DropInRoundsAsync(on, target, files, cancellationToken).ConfigureAwait(false);
        await CloneStatement.ExecuteAsync(on, $"USE {SqlIdentifier.Quote(target)}", null, cancellationToken).ConfigureAwait(false);
        foreach (var file in files)
        {
            await CloneStatement.ExecuteAsync(on, file.Table.CreateStatement, CloneStatement.TableStep(file.Table.Name), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops tables that may be without tablespace: each round drops what it can, until none is left or a round drops none.</summary>
    private static async Task DropInRoundsAsync(MySqlConnection on, string target, IReadOnlyList<FileTable> files, CancellationToken cancellationToken)
    {
        var pending = files.ToList();
        while (pending.Count > 0)
        {
            var failed = new List<(FileTable File, CloneStepException Error)>();
            foreach (var file in pending)
            {
                try
                {
                    await CloneStatement.ExecuteAsync(on, $"DROP TABLE IF EXISTS {SqlIdentifier.Quote(target, file.Table.Name)}", CloneStatement.TableStep(file.Table.Name), cancellationToken).ConfigureAwait(false);

                    // A discarded table's file is not the server's any more: left behind, it would block the new table's.
                    DeleteQuietly(file.TargetFile);
                    DeleteQuietly(FileTable.ConfigFile(file.TargetFile));
                }
                catch (CloneStepException e)
                {
                    failed.Add((file, e));
                }
            }

            if (failed.Count == pending.Count)
            {
                throw failed[0].Error;
            }

            pending = failed.Select(f => f.File).ToList();
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
