using System.Collections.Concurrent;
using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Fills the (already created, empty) tables of a clone: InnoDB tables by copying their tablespace files
/// (transportable tablespaces), the rest by SQL. Every table comes from one moment: the export lock on all
/// file tables is taken at once, and the SQL copies read a snapshot started while it is held. The parent is
/// blocked for writes only while its files are copied.
/// </summary>
/// <remarks>
/// Order: DISCARD the child tables' tablespaces; <c>FLUSH TABLES … FOR EXPORT</c> of all parent file tables
/// on a second connection; start the snapshot on the clone's connection; copy the .ibd and .cfg files;
/// <c>UNLOCK TABLES</c>; IMPORT on a few connections at once; copy the SQL tables in the snapshot. A table
/// whose import fails is re-created and copied by SQL. On failure the files this clone wrote are removed;
/// the caller drops the child database.
/// </remarks>
internal sealed class TablespaceCloner(MySqlConnection connection, TablespaceAccess access)
{
    private const int LockWaitTimeout = 1205;

    public async Task<CloneReport> CopyRowsAsync(string source, string target, IReadOnlyList<TableDefinition> tables, CancellationToken cancellationToken)
    {
        var plan = await TablespacePlan.ReadAsync(connection, access.DataDirectory, source, target, tables, cancellationToken).ConfigureAwait(false);
        var bySql = plan.BySql.Select(s => new TableCopiedBySql(s.Table.Name, s.Reason)).ToList();
        var sqlTables = plan.BySql.Select(s => s.Table).ToList();
        var rows = new SnapshotRowCopier(connection);
        var written = new ConcurrentBag<string>();
        var imported = new ConcurrentBag<string>();
        try
        {
            if (plan.Files.Count > 0)
            {
                foreach (var file in plan.Files)
                {
                    await ExecuteAsync(connection, $"ALTER TABLE {SqlIdentifier.Quote(target, file.Table.Name)} DISCARD TABLESPACE", cancellationToken, file.Table.Name).ConfigureAwait(false);
                }

                if (await CopyFilesUnderExportLockAsync(source, plan.Files, rows, written, cancellationToken).ConfigureAwait(false))
                {
                    if (access.AfterUnlock is { } afterUnlock)
                    {
                        await afterUnlock().ConfigureAwait(false);
                    }

                    foreach (var (file, error) in await ImportAsync(target, plan.Files, imported, cancellationToken).ConfigureAwait(false))
                    {
                        bySql.Add(new TableCopiedBySql(file.Table.Name, $"import failed: {error.Message}"));
                        sqlTables.Add(file.Table);
                    }
                }
                else
                {
                    // Writers kept the parent busy: the tables become plain empty tables again and go by SQL.
                    var reason = $"the parent's tables could not be locked for export within {access.ExportLockWait.TotalSeconds:0} s";
                    foreach (var file in plan.Files)
                    {
                        await RecreateAsync(connection, target, file, cancellationToken).ConfigureAwait(false);
                        bySql.Add(new TableCopiedBySql(file.Table.Name, reason));
                        sqlTables.Add(file.Table);
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
            foreach (var path in written.Where(p => !imported.Contains(p)))
            {
                DeleteQuietly(path);
            }

            throw;
        }

        return new CloneReport(plan.Files.Select(f => f.Table.Name).Where(n => !bySql.Any(s => s.Table == n)).ToList(), bySql);
    }

    /// <summary>False when the export lock was not granted in time (nothing copied, no snapshot started).</summary>
    private async Task<bool> CopyFilesUnderExportLockAsync(string source, IReadOnlyList<FileTable> files, SnapshotRowCopier rows, ConcurrentBag<string> written, CancellationToken cancellationToken)
    {
        await using var locker = await access.OpenConnectionAsync(null, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(locker, $"SET SESSION lock_wait_timeout = {Math.Max(1, (int)Math.Ceiling(access.ExportLockWait.TotalSeconds))}", cancellationToken).ConfigureAwait(false);
        try
        {
            // All at once: one moment for every file, and the lock waits once, not once per table.
            await ExecuteAsync(locker, $"FLUSH TABLES {string.Join(", ", files.Select(f => SqlIdentifier.Quote(source, f.Table.Name)))} FOR EXPORT", cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (e.Number == LockWaitTimeout)
        {
            return false;
        }

        try
        {
            // Started while nothing can change the file tables, so the SQL tables are read as of the files' moment.
            await rows.BeginAsync(cancellationToken).ConfigureAwait(false);
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

            if (access.WhileLocked is { } whileLocked)
            {
                await whileLocked().ConfigureAwait(false);
            }
        }
        finally
        {
            await UnlockQuietlyAsync(locker).ConfigureAwait(false);
        }

        return true;
    }

    // A pooled connection keeps its session (and so the lock) until it is reused; the lock must end here.
    private static async Task UnlockQuietlyAsync(MySqlConnection locker)
    {
        try
        {
            await ExecuteAsync(locker, "UNLOCK TABLES", CancellationToken.None).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            // A broken session: the server releases its locks with it.
            MySqlConnection.ClearPool(locker);
        }
    }

    private async Task<List<(FileTable File, MySqlException Error)>> ImportAsync(string target, IReadOnlyList<FileTable> files, ConcurrentBag<string> imported, CancellationToken cancellationToken)
    {
        var queue = new ConcurrentQueue<FileTable>(files);
        var failed = new ConcurrentBag<(FileTable, MySqlException)>();
        var workers = Enumerable.Range(0, Math.Clamp(access.ImportConnections, 1, files.Count)).Select(async _ =>
        {
            await using var importer = await access.OpenConnectionAsync(target, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(importer, $"SET SESSION foreign_key_checks = 0, SESSION sql_mode = {SqlLiteral.Quote(CloneSession.CopySqlMode)}", cancellationToken).ConfigureAwait(false);
            while (queue.TryDequeue(out var file))
            {
                try
                {
                    await ExecuteAsync(importer, $"ALTER TABLE {SqlIdentifier.Quote(target, file.Table.Name)} IMPORT TABLESPACE", cancellationToken).ConfigureAwait(false);
                    imported.Add(file.TargetFile);
                }
                catch (MySqlException e)
                {
                    failed.Add((file, e));
                    await RecreateAsync(importer, target, file, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                finally
                {
                    // The server reads the .cfg during the import and never again.
                    DeleteQuietly(FileTable.ConfigFile(file.TargetFile));
                }
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
        return failed.ToList();
    }

    /// <summary>Back to an empty table with a tablespace of its own, for the SQL copy.</summary>
    private static async Task RecreateAsync(MySqlConnection on, string target, FileTable file, CancellationToken cancellationToken)
    {
        await ExecuteAsync(on, $"DROP TABLE {SqlIdentifier.Quote(target, file.Table.Name)}", cancellationToken, file.Table.Name).ConfigureAwait(false);

        // A discarded table's file is not the server's any more: dropped or not, it would block the new table's.
        DeleteQuietly(file.TargetFile);
        DeleteQuietly(FileTable.ConfigFile(file.TargetFile));
        await ExecuteAsync(on, $"USE {SqlIdentifier.Quote(target)}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(on, file.Table.CreateStatement, cancellationToken, file.Table.Name).ConfigureAwait(false);
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

    private static async Task ExecuteAsync(MySqlConnection on, string sql, CancellationToken cancellationToken, string? table = null)
    {
        await using var command = new MySqlCommand(sql, on) { CommandTimeout = 0 };
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (table is not null)
        {
            throw new CloneStepException($"table {SqlIdentifier.Quote(table)}", e);
        }
    }
}
