using BranchTasks.Core.Errors;
using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Copies one database into another (already created, empty) database on the same server: schema defaults,
/// tables, rows, AUTO_INCREMENT counters, views, routines, triggers and events (disabled). It does not clean
/// up after a failure; the caller owns the target and drops it.
/// </summary>
/// <remarks>
/// Views, routines, triggers and events keep their definer, so a copy runs with the rights its original
/// had (SQL SECURITY DEFINER), never with the cloning account's. Setting another account as definer takes
/// SET USER or SUPER (MariaDB), SET_USER_ID (MySQL); without them the server refuses, and the copy takes
/// <c>fallbackDefiner</c> instead when the caller gave one, else the clone fails with BT0309.
/// </remarks>
/// <param name="fallbackDefiner">
/// A quoted account (<c>'user'@'host'</c>) to stand in for a definer the server will not let the cloning
/// account set: one with rights on the branch only (the project's app account), so the copy never gets
/// more rights than its original. Null: no stand-in. An account without SET USER may name only itself as
/// definer, so there the stand-in works only when it is the cloning account; any other is refused as well
/// and BT0309 names both.
/// </param>
/// <param name="files">
/// Access to the server's data directory: InnoDB tables then travel as tablespace files (see
/// <see cref="TablespaceCloner"/>), the rest by SQL. Null: every table by SQL.
/// </param>
/// <param name="sqlCopy">
/// Without <paramref name="files"/>: more connections, so the rows go on several at once under one read lock on the
/// parent (see <see cref="ParallelRowCopier"/>). Null, or when the parent cannot be locked: in one transaction.
/// </param>
public sealed class DatabaseCloner(MySqlConnection connection, string? fallbackDefiner = null, TablespaceAccess? files = null, SqlCopyAccess? sqlCopy = null)
{
    private readonly string? _fallbackDefiner = fallbackDefiner is null || DefinitionRewriter.IsAccount(fallbackDefiner)
        ? fallbackDefiner
        : throw new ArgumentException($"The fallback definer must be one quoted account such as 'user'@'host', not {fallbackDefiner}.", nameof(fallbackDefiner));

    public async Task<CloneReport> CloneAsync(string source, string target, bool copyData, CancellationToken cancellationToken)
    {
        var reader = new SchemaObjectReader(connection);
        var charset = await reader.ReadCharsetAsync(source, cancellationToken).ConfigureAwait(false)
            ?? throw new BranchTasksException(ErrorCodes.BranchNotFound, $"The parent database {source} does not exist on the server, so there is nothing to copy from.");

        var session = await CloneSession.BeginAsync(connection, cancellationToken).ConfigureAwait(false);
        var restored = false;
        var report = CloneReport.Empty;
        try
        {
            await ExecuteAsync($"ALTER DATABASE {SqlIdentifier.Quote(target)} CHARACTER SET {SqlIdentifier.Quote(charset.CharacterSet)} COLLATE {SqlIdentifier.Quote(charset.Collation)}", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync($"USE {SqlIdentifier.Quote(target)}", cancellationToken).ConfigureAwait(false);

            var tables = await reader.ReadTablesAsync(source, cancellationToken).ConfigureAwait(false);
            foreach (var table in tables)
            {
                await ExecuteAsync(table.CreateStatement, cancellationToken, $"table {SqlIdentifier.Quote(table.Name)}").ConfigureAwait(false);
            }

            if (copyData)
            {
                report = files is null
                    ? await CopyRowsAsync(source, target, tables, cancellationToken).ConfigureAwait(false)
                    : await new TablespaceCloner(connection, files).CopyRowsAsync(source, target, tables, cancellationToken).ConfigureAwait(false);
            }

            await CopyCountersAsync(reader, source, target, tables, cancellationToken).ConfigureAwait(false);

            // Routines before views (a view may call a function); triggers after the rows, so copying fires none.
            foreach (var routine in await reader.ReadRoutinesAsync(source, cancellationToken).ConfigureAwait(false))
            {
                await CreateProgramObjectAsync(session, routine, source, target, cancellationToken).ConfigureAwait(false);
            }

            await CreateViewsAsync(session, await reader.ReadViewsAsync(source, cancellationToken).ConfigureAwait(false), source, target, cancellationToken).ConfigureAwait(false);

            foreach (var trigger in await reader.ReadTriggersAsync(source, cancellationToken).ConfigureAwait(false))
            {
                await CreateProgramObjectAsync(session, trigger, source, target, cancellationToken).ConfigureAwait(false);
            }

            foreach (var scheduled in await reader.ReadEventsAsync(source, cancellationToken).ConfigureAwait(false))
            {
                await CreateProgramObjectAsync(session, scheduled, source, target, cancellationToken).ConfigureAwait(false);
            }

            await session.RestoreAsync(cancellationToken).ConfigureAwait(false);
            restored = true;
            return report;
        }
        finally
        {
            if (!restored && connection.State == System.Data.ConnectionState.Open)
            {
                try
                {
                    await session.RestoreAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (MySqlException)
                {
                    // The original failure is the one worth reporting.
                }
            }
        }
    }

    private async Task<CloneReport> CopyRowsAsync(string source, string target, IReadOnlyList<TableDefinition> tables, CancellationToken cancellationToken)
    {
        var bySql = tables.Where(t => t.Kind == TableKind.Table && t.CopyColumns.Count > 0).Select(t => new TableCopiedBySql(t.Name, "no access to the server's files")).ToList();
        var (notParallel, keysAfterRows) = sqlCopy is null
            ? ("the provider gives no further connections", [])
            : await new ParallelRowCopier(sqlCopy).TryCopyAsync(source, target, tables, cancellationToken).ConfigureAwait(false);
        if (notParallel is null)
        {
            return new CloneReport([], bySql) { SqlCopy = SqlRowCopy.Parallel, KeysAfterRows = keysAfterRows };
        }

        var rows = new SqlRowCopier(connection);
        await rows.BeginAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var table in tables)
            {
                await rows.CopyAsync(source, target, table, cancellationToken).ConfigureAwait(false);
            }

            await rows.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await rows.RollBackQuietlyAsync().ConfigureAwait(false);
            throw;
        }

        return new CloneReport([], bySql) { SqlCopy = SqlRowCopy.OneTransaction, OneTransactionReason = notParallel };
    }

    // The CREATE TABLE text carries the counter as it was when read; rows copied since, or the engine's own
    // rounding, can leave the child's different. Sequences continue where the parent's would.
    private async Task CopyCountersAsync(SchemaObjectReader reader, string source, string target, IReadOnlyList<TableDefinition> tables, CancellationToken cancellationToken)
    {
        var parent = await reader.ReadAutoIncrementsAsync(source, cancellationToken).ConfigureAwait(false);
        var child = await reader.ReadAutoIncrementsAsync(target, cancellationToken).ConfigureAwait(false);
        foreach (var table in tables)
        {
            if (table.Kind == TableKind.Sequence)
            {
                var next = await reader.ReadSequenceNextValueAsync(source, table.Name, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync($"ALTER SEQUENCE {SqlIdentifier.Quote(target, table.Name)} RESTART WITH {next}", cancellationToken).ConfigureAwait(false);
            }
            else if (parent.TryGetValue(table.Name, out var counter) && (!child.TryGetValue(table.Name, out var current) || current != counter))
            {
                await ExecuteAsync($"ALTER TABLE {SqlIdentifier.Quote(target, table.Name)} AUTO_INCREMENT = {counter}", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // A view can select from another view; without a dependency graph, views are created in rounds until
    // a round makes no progress, and then the first failure is the answer.
    private async Task CreateViewsAsync(CloneSession session, IReadOnlyList<ProgramObjectDefinition> views, string source, string target, CancellationToken cancellationToken)
    {
        var pending = views.ToList();
        while (pending.Count > 0)
        {
            var failed = new List<(ProgramObjectDefinition View, MySqlException Error)>();
            foreach (var view in pending)
            {
                try
                {
                    await CreateProgramObjectAsync(session, view, source, target, cancellationToken).ConfigureAwait(false);
                }
                catch (CloneStepException e) when (e.InnerException is MySqlException mysql)
                {
                    failed.Add((view, mysql));
                }
            }

            if (failed.Count == pending.Count)
            {
                var (view, error) = failed[0];
                throw new CloneStepException($"view {SqlIdentifier.Quote(view.Name)}", error);
            }

            pending = failed.Select(f => f.View).ToList();
        }
    }

    private async Task CreateProgramObjectAsync(CloneSession session, ProgramObjectDefinition definition, string source, string target, CancellationToken cancellationToken)
    {
        var dialect = definition.Dialect;
        var statement = DefinitionRewriter.RewriteQualifier(definition.CreateStatement, source, target, dialect);
        if (definition.Kind == ProgramObjectKind.Event)
        {
            statement = DefinitionRewriter.DisableEvent(statement, dialect);
        }

        var what = $"{definition.Kind.ToString().ToLowerInvariant()} {SqlIdentifier.Quote(definition.Name)}";

        // Without the clause the copy would belong to whoever runs this, and run with the cloning account's rights.
        var definer = DefinitionRewriter.FindDefiner(statement, dialect)
            ?? throw new BranchTasksException(
                ErrorCodes.CloneDefinerNotKept,
                $"Copying {what} of {source} failed: its definition as the server shows it names no definer, so the copy would run with the rights of the account that clones. Re-create it in {source} with an explicit DEFINER and try again.");

        await session.ApplyAsync(definition, cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                await ExecuteAsync(statement, cancellationToken, what).ConfigureAwait(false);
            }
            catch (CloneStepException e) when (IsDefinerRefused(e))
            {
                if (_fallbackDefiner is null)
                {
                    throw await DefinerNotKeptAsync(what, source, definer, e, fallbackError: null).ConfigureAwait(false);
                }

                try
                {
                    await ExecuteAsync(DefinitionRewriter.ReplaceDefiner(statement, definer, _fallbackDefiner), cancellationToken, what).ConfigureAwait(false);
                }
                catch (CloneStepException fallback) when (IsDefinerRefused(fallback))
                {
                    throw await DefinerNotKeptAsync(what, source, definer, e, fallback).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await session.ResetAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static bool IsDefinerRefused(CloneStepException e) =>
        e.InnerException is MySqlException { ErrorCode: MySqlErrorCode.SpecifiedAccessDeniedError };

    private async Task<BranchTasksException> DefinerNotKeptAsync(string what, string source, DefinerClause definer, CloneStepException refused, CloneStepException? fallbackError)
    {
        string account;
        await using (var command = new MySqlCommand("SELECT CURRENT_USER()", connection))
        {
            var user = Convert.ToString(await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) ?? "@";
            var at = user.LastIndexOf('@');
            account = SqlLiteral.Quote(user[..at]) + "@" + SqlLiteral.Quote(user[(at + 1)..]);
        }

        var standIn = fallbackError is null
            ? string.Empty
            : $" The stand-in definer {_fallbackDefiner} was refused too ({fallbackError.InnerException!.Message}).";
        return new BranchTasksException(
            ErrorCodes.CloneDefinerNotKept,
            $"Copying {what} of {source} failed: its definer {definer.Account} cannot be kept, because the account that clones ({account}) may not create objects for another account " +
            $"(the server said: {refused.InnerException!.Message}).{standIn} It was not created with the cloning account as its definer instead, which would give it that account's rights. " +
            $"Grant {account} SET USER (MariaDB 10.5 and later; SUPER before) or SET_USER_ID (MySQL), or re-create the object in {source} with a definer that account may set.",
            refused.InnerException);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, string? what = null)
    {
        await using var command = new MySqlCommand(sql, connection);

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
