using System.Security.Cryptography;
using System.Text;
using BranchTasks.Core.Cloning;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Sql;
using MySqlConnector;

using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Providers.Server;

/// <summary>
/// Branches as databases on a server (the <c>local</c> provider's private one, or a shared one for
/// <c>mysql</c>). The metadata record on the server is what makes a database a branch: only recorded
/// databases are listed, and only they are ever dropped.
/// </summary>
public sealed class ServerBranchProvider(string name, BranchServer endpoint, string project, BranchOwner owner) : IBranchProvider
{
    private const int MySqlDatabaseExists = 1007;
    private const int MySqlDuplicateKey = 1062;

    private readonly BranchMetadataStore _metadata = new(cancellationToken => endpoint.OpenAdminConnectionAsync(cancellationToken), endpoint.MetadataSchema);
    private readonly AppAccount? _appAccount = endpoint.Accounts?.AccountFor(endpoint.MetadataSchema, project);
    private bool _schemaReady;
    private string? _lastNote;

    public string Name => name;

    /// <summary>The server area's database prefix (empty on the private server), as its metadata schema's name carries it.</summary>
    private string DatabasePrefix => endpoint.MetadataSchema.EndsWith(BranchMetadataStore.DefaultSchemaName, StringComparison.Ordinal)
        ? endpoint.MetadataSchema[..^BranchMetadataStore.DefaultSchemaName.Length]
        : string.Empty;

    /// <summary>
    /// The project's app account as a quoted definer (<c>'user'@'host'</c>), for cloned objects whose own
    /// definer cannot be kept; null where the tunnel logs in as the admin. Known once a branch has been
    /// created or opened by this provider (the account is made then).
    /// </summary>
    public string? AppDefiner { get; private set; }

    /// <summary>How the last clone of this provider copied each table (as files, or by SQL and why); null before one.</summary>
    internal CloneReport? LastClone { get; private set; }

    /// <summary>Where lines for the developer go (the daemon passes them to the client and its log).</summary>
    public IProgress<string>? Progress { get; init; }

    /// <summary>Where the server's files may be copied directly (the private server); null: clones go by SQL. Tests adjust it.</summary>
    internal TablespaceAccess? Tablespaces { get; set; } = endpoint.DataDirectory is { } directory
        ? new TablespaceAccess(directory, (database, cancellationToken) => endpoint.OpenAdminConnectionAsync(cancellationToken, database))
        : null;

    /// <summary>Without file access: more admin connections, so a clone copies tables on several at once. Tests adjust it.</summary>
    internal SqlCopyAccess? SqlCopy { get; set; } = endpoint.DataDirectory is null
        ? new SqlCopyAccess((database, cancellationToken) => endpoint.OpenAdminConnectionAsync(cancellationToken, database))
        : null;

    private void Cloned(CloneReport report)
    {
        LastClone = report;
        // A reset clones twice (parent to staging, staging to the branch), mostly for the same reasons: say each once.
        if (report.SlowerPathNote() is { } note && note != _lastNote)
        {
            _lastNote = note;
            Progress?.Report(note);
        }
    }

    public async Task<IReadOnlyList<BranchInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var rows = await _metadata.ListAsync(project, cancellationToken).ConfigureAwait(false);
        return rows.Where(r => r.State == BranchState.Ready).Select(r => r.ToBranchInfo(owner)).ToList();
    }

    public async Task<BranchInfo?> FindAsync(string branch, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var row = await _metadata.FindAsync(project, branch, cancellationToken).ConfigureAwait(false);
        return row is { State: BranchState.Ready } ? row.ToBranchInfo(owner) : null;
    }

    public async Task<BranchInfo> CreateAsync(BranchTarget target, BranchTarget? parent, bool copyData, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await endpoint.OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);

        // Held for the whole create: a second process creating the same branch waits, then finds it ready,
        // instead of mistaking this half-made one for a crash leftover. A crash releases it with the connection.
        await using var createLock = await CreateLock.AcquireAsync(connection, target.Database, cancellationToken).ConfigureAwait(false);

        var existing = await _metadata.FindByDatabaseAsync(target.Database, cancellationToken).ConfigureAwait(false);
        if (existing is { State: BranchState.Ready })
        {
            throw new BranchTasksException(
                ErrorCodes.BranchExists,
                $"The database branch {target.Branch} (database {target.Database}) already exists; use it, or delete it first to create it again.");
        }

        if (existing is { State: BranchState.Creating })
        {
            // Nobody holds its create lock any more, so its creator died mid-way: finish the clean-up it could not
            // (a reset that died while replacing the branch also leaves its staged copy).
            await DropDatabaseAsync(connection, target.Database, cancellationToken).ConfigureAwait(false);
            await _metadata.DeleteAsync(target.Database, cancellationToken).ConfigureAwait(false);
            await DropStagingLeftoverAsync(connection, target, cancellationToken).ConfigureAwait(false);
        }
        else if (await DatabaseExistsAsync(connection, target.Database, cancellationToken).ConfigureAwait(false))
        {
            throw NotOurs(target.Database, ErrorCodes.BranchExists, $"The database branch {target.Branch} cannot be created there: rename or drop that database yourself, or map the git branch to another name.");
        }

        try
        {
            await BuildAsync(connection, target, parent, copyData, markReady: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not BranchTasksException { Code: ErrorCodes.BranchExists })
        {
            var from = parent is null ? "empty" : $"from {parent.Branch} (database {parent.Database})";
            throw new BranchTasksException(
                FailureCode(e),
                $"Creating the database branch {target.Branch} (database {target.Database}) {from} failed: {Cause(e)}. Nothing was left behind; fix the cause and try again.",
                e);
        }

        var created = await _metadata.FindByDatabaseAsync(target.Database, cancellationToken).ConfigureAwait(false);
        return created!.ToBranchInfo(owner);
    }

    /// <summary>
    /// Replaces <paramref name="target"/> with a fresh copy of <paramref name="parent"/> in two steps. First the
    /// parent is cloned into a staging database (recorded as <c>creating</c>, so a crash leftover is cleaned by
    /// the next create or reset of this branch); every failure that depends on the parent's contents (unreadable
    /// tables, definers, broken views) and every cancellation happens there, and then the staging database is dropped and
    /// the branch is exactly as it was. Only a complete copy replaces the branch.
    /// </summary>
    /// <remarks>
    /// The replacement clones the staged copy into the branch again, rather than moving the staged tables over
    /// with one RENAME TABLE: a table with triggers cannot be renamed into another database, views cannot be
    /// either, and routines and events must be re-created anyway, so a rename swap would still need a non-atomic
    /// re-creation step, with less tested code. The second copy is of a database already proven copyable, on the
    /// same server, so only server-level faults (disk full, lost connection) can fail it. While it runs the
    /// branch is recorded as <c>creating</c> and so is never used half-made: if the replacement fails, or the
    /// daemon dies in it, the next `up` (or `branch create`) of that git branch re-creates it from the parent,
    /// which is what the reset was for. The branch database keeps its name throughout, and the app account is
    /// granted it again before the copy, so the app keeps its rights on it.
    /// </remarks>
    public async Task<BranchInfo> ResetAsync(BranchTarget target, BranchTarget parent, bool copyData, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await endpoint.OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);

        // The branch's own lock covers its staging database too: no create, delete or other reset of this branch runs meanwhile.
        await using var createLock = await CreateLock.AcquireAsync(connection, target.Database, cancellationToken).ConfigureAwait(false);
        var row = await _metadata.FindByDatabaseAsync(target.Database, cancellationToken).ConfigureAwait(false);
        if (row is not { State: BranchState.Ready } || row.Project != project)
        {
            throw new BranchTasksException(ErrorCodes.BranchNotFound, $"The database branch {target.Branch} (database {target.Database}) does not exist in project {project}; there is nothing to reset.");
        }

        await DropStagingLeftoverAsync(connection, target, cancellationToken).ConfigureAwait(false);
        var staging = StagingFor(target);
        if (await DatabaseExistsAsync(connection, staging.Database, cancellationToken).ConfigureAwait(false))
        {
            throw NotOurs(staging.Database, ErrorCodes.BranchCreateFailed, $"Resetting {target.Branch} copies its parent there first; drop or rename that database yourself, then try again.");
        }

        try
        {
            await BuildAsync(connection, staging, parent, copyData, markReady: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw new BranchTasksException(
                FailureCode(e),
                $"Resetting the database branch {target.Branch} (database {target.Database}) from {parent.Branch} (database {parent.Database}) failed while copying {parent.Branch}: {Cause(e)}. " +
                $"{target.Branch} is unchanged and the partial copy was removed; fix the cause and try again.",
                e);
        }

        // The point of no return: from here a cancellation (the caller gave up) would only leave the branch hidden, so it is no longer honoured.
        var replacing = CancellationToken.None;
        try
        {
            await _metadata.MarkCreatingAsync(target.Database, replacing).ConfigureAwait(false);

            // DROP DATABASE leaves database-level grants in place; GrantAppAccessAsync renews them anyway (idempotent) and sets AppDefiner.
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {SqlIdentifier.Quote(target.Database)}", replacing).ConfigureAwait(false);
            await ExecuteAsync(connection, $"CREATE DATABASE {SqlIdentifier.Quote(target.Database)}", replacing).ConfigureAwait(false);
            await GrantAppAccessAsync(connection, target.Database, replacing).ConfigureAwait(false);
            Cloned(await new DatabaseCloner(connection, AppDefiner, Tablespaces, SqlCopy).CloneAsync(staging.Database, target.Database, copyData, replacing).ConfigureAwait(false));
            await _metadata.MarkReadyAsync(target.Database, replacing).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await UndoCreateAsync(dropDatabase: true, staging.Database).ConfigureAwait(false);
            throw new BranchTasksException(
                FailureCode(e),
                $"Resetting the database branch {target.Branch} (database {target.Database}) failed while replacing it with the new copy of {parent.Branch}: {Cause(e)}. " +
                $"It is left hidden and unused; `branchtasks branch create {target.GitBranch} --from {parent.Branch}` creates it again (as does `branchtasks up` on git branch '{target.GitBranch}', from the configured parent).",
                e);
        }

        // The staged copy has served. Should dropping it fail, its `creating` record lets the next reset or create of this branch finish the job.
        await UndoCreateAsync(dropDatabase: true, staging.Database).ConfigureAwait(false);
        var reset = await _metadata.FindByDatabaseAsync(target.Database, replacing).ConfigureAwait(false);
        return reset!.ToBranchInfo(owner);
    }

    /// <summary>Deletes <paramref name="target"/> by its physical name; refuses a database without a metadata record.</summary>
    public async Task DeleteAsync(BranchTarget target, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await DeleteDatabaseAsync(target.Database, target.Branch, cancellationToken).ConfigureAwait(false);
    }

    public async Task TouchAsync(string branch, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var row = await _metadata.FindAsync(project, branch, cancellationToken).ConfigureAwait(false)
            ?? throw new BranchTasksException(ErrorCodes.BranchNotFound, $"The database branch {branch} does not exist in project {project}.");
        await _metadata.TouchAsync(row.DatabaseName, cancellationToken).ConfigureAwait(false);
        if (row.Repository is null || row.Repository == owner.Repository.LocalId)
        {
            // Used from this repository: a record from before ownership (or before the first commit) becomes its.
            await _metadata.ClaimAsync(row.DatabaseName, owner, cancellationToken).ConfigureAwait(false);
        }
    }

    public TunnelKey GetTunnelKey(BranchTarget target) => new(name, $"{endpoint.Host}:{endpoint.Port}", target.Database);

    public async Task<UpstreamLease> OpenUpstreamAsync(BranchTarget target, CancellationToken cancellationToken)
    {
        if (_appAccount is null)
        {
            return UpstreamLease.Fixed(endpoint.UpstreamFor(target.Database));
        }

        // Granted again on every open: branches made before app accounts existed get their grant here, and a
        // database that is not one of this project's branches gets none (the tunnel's login is then refused).
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var row = await _metadata.FindByDatabaseAsync(target.Database, cancellationToken).ConfigureAwait(false);
        var account = _appAccount;
        if (row is not null && row.Project == project)
        {
            await using var connection = await endpoint.OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);
            account = await GrantAppAccessAsync(connection, target.Database, cancellationToken).ConfigureAwait(false);
        }

        return UpstreamLease.Fixed(endpoint.UpstreamFor(target.Database, account));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Grants the project's app account <paramref name="database"/>; the account the tunnel then uses (null: the admin login, where the server does not allow one).</summary>
    private async Task<AppAccount?> GrantAppAccessAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        if (_appAccount is null)
        {
            return null;
        }

        try
        {
            await AppAccounts.GrantAsync(connection, _appAccount, database, cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (endpoint.Accounts?.OnFallback is { } fallback && AppAccounts.IsNotAllowed(e))
        {
            fallback($"MySQL error {e.Number}: {e.Message}");
            AppDefiner = null;
            return null;
        }

        AppDefiner = _appAccount.Definer;
        return _appAccount;
    }

    // Once per provider: the schema never goes away while BranchTasks runs, and every call would otherwise pay two statements.
    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (!_schemaReady)
        {
            await _metadata.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            if (endpoint.SchemaOwner is { } login)
            {
                var claimedBy = await _metadata.ClaimSchemaAsync(login, cancellationToken).ConfigureAwait(false);
                if (!string.Equals(claimedBy, login, StringComparison.Ordinal))
                {
                    throw new BranchTasksException(
                        ErrorCodes.DatabasePrefixTaken,
                        $"The database prefix '{DatabasePrefix}' (metadata in {endpoint.MetadataSchema}) on {endpoint.Host}:{endpoint.Port} belongs to login '{claimedBy}', and you log in as '{login}'. " +
                        "Two developers never share a prefix (they would share and prune each other's branches): remove \"databasePrefix\" from the \"mysql\" settings to get your own " +
                        $"('{MySqlDatabasePrefix.For(login)}'), or choose one nobody uses.");
                }
            }

            _schemaReady = true;
        }
    }

    private async Task DeleteDatabaseAsync(string database, string branch, CancellationToken cancellationToken)
    {
        var row = await _metadata.FindByDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
        if (row is not null && row.Project == project)
        {
            await DropAsync(database, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var connection = await endpoint.OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (row is not null || await DatabaseExistsAsync(connection, database, cancellationToken).ConfigureAwait(false))
        {
            throw row is not null
                ? new BranchTasksException(ErrorCodes.BranchNotOwned, $"Database {database} belongs to BranchTasks project {row.Project}, not {project}; it is left untouched.")
                : NotOurs(database, ErrorCodes.BranchNotOwned, "Drop it yourself if you really mean to delete it.");
        }

        throw new BranchTasksException(ErrorCodes.BranchNotFound, $"The database branch {branch} does not exist in project {project}; there is nothing to delete.");
    }

    private async Task DropAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = await endpoint.OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var createLock = await CreateLock.AcquireAsync(connection, database, cancellationToken).ConfigureAwait(false);
        await DropDatabaseAsync(connection, database, cancellationToken).ConfigureAwait(false);
        await _metadata.DeleteAsync(database, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records <paramref name="target"/> as <c>creating</c>, creates its database, grants the app account, clones
    /// <paramref name="parent"/> into it and, with <paramref name="markReady"/>, records it ready. All or nothing:
    /// a failure removes what it made (and never a database or record someone else made).
    /// </summary>
    private async Task BuildAsync(MySqlConnection connection, BranchTarget target, BranchTarget? parent, bool copyData, bool markReady, CancellationToken cancellationToken)
    {
        try
        {
            await _metadata.InsertCreatingAsync(target.Database, project, target.Branch, parent?.Branch, target.GitBranch, owner, cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (e.Number == MySqlDuplicateKey)
        {
            throw new BranchTasksException(ErrorCodes.BranchExists, $"The database branch {target.Branch} (database {target.Database}) is already recorded on the server.", e);
        }

        var createdDatabase = false;
        try
        {
            try
            {
                var charset = parent is null ? " CHARACTER SET utf8mb4" : string.Empty;
                await ExecuteAsync(connection, $"CREATE DATABASE {SqlIdentifier.Quote(target.Database)}{charset}", cancellationToken).ConfigureAwait(false);
                createdDatabase = true;
            }
            catch (MySqlException e) when (e.Number == MySqlDatabaseExists)
            {
                // Someone made it by hand between the check and now; it is theirs.
                throw NotOurs(target.Database, ErrorCodes.BranchExists, $"The database branch {target.Branch} cannot be created there.");
            }

            // Before cloning, so cloned objects may name the app account as their definer.
            await GrantAppAccessAsync(connection, target.Database, cancellationToken).ConfigureAwait(false);

            if (parent is not null)
            {
                Cloned(await new DatabaseCloner(connection, AppDefiner, Tablespaces, SqlCopy).CloneAsync(parent.Database, target.Database, copyData, cancellationToken).ConfigureAwait(false));
            }

            if (markReady)
            {
                await _metadata.MarkReadyAsync(target.Database, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await UndoCreateAsync(createdDatabase, target.Database).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Where a reset of <paramref name="branch"/> stages its copy: derived from the branch's database (so a crash
    /// leftover is found again), inside the server area's prefix (which a shared server's admin may be limited
    /// to), and starting with '_' after it, which no branch database does.
    /// </summary>
    private BranchTarget StagingFor(BranchTarget branch)
    {
        var database = DatabasePrefix + "_reset_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(branch.Database)))[..24];
        return new BranchTarget(branch.GitBranch, database, database);
    }

    /// <summary>A staging database a reset of <paramref name="branch"/> left behind (it died mid-way); only ever one with its `creating` record.</summary>
    private async Task DropStagingLeftoverAsync(MySqlConnection connection, BranchTarget branch, CancellationToken cancellationToken)
    {
        var staging = StagingFor(branch);
        if (await _metadata.FindByDatabaseAsync(staging.Database, cancellationToken).ConfigureAwait(false) is { State: BranchState.Creating } leftover && leftover.Project == project)
        {
            await DropDatabaseAsync(connection, staging.Database, cancellationToken).ConfigureAwait(false);
            await _metadata.DeleteAsync(staging.Database, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string FailureCode(Exception e) =>
        e is BranchTasksException { Code: ErrorCodes.CloneDefinerNotKept } ? ErrorCodes.CloneDefinerNotKept : ErrorCodes.BranchCreateFailed;

    private static string Cause(Exception e) => e is OperationCanceledException ? "it was cancelled" : e.Message.TrimEnd('.');

    // Runs after a failure, possibly a cancellation, so it must not be cancelled itself.
    private async Task UndoCreateAsync(bool dropDatabase, string database)
    {
        try
        {
            if (dropDatabase)
            {
                await using var connection = await endpoint.OpenAdminConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                await DropDatabaseAsync(connection, database, CancellationToken.None).ConfigureAwait(false);
            }

            await _metadata.DeleteAsync(database, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            // The `creating` record stays behind if this fails, and the next create cleans it up.
        }
    }

    private static BranchTasksException NotOurs(string database, string code, string advice) =>
        new(code, $"Database {database} was not created by BranchTasks; it is left untouched. {advice}");

    private static async Task<bool> DatabaseExistsAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @database", connection);
        command.Parameters.AddWithValue("@database", database);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private async Task DropDatabaseAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {SqlIdentifier.Quote(database)}", cancellationToken).ConfigureAwait(false);
        if (_appAccount is not null)
        {
            await AppAccounts.RevokeAsync(connection, _appAccount, database, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A server-side named lock per database (GET_LOCK), so creates and deletes of one branch never overlap.</summary>
    private sealed class CreateLock(MySqlConnection connection, string name) : IAsyncDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromMinutes(5);

        public static async Task<CreateLock> AcquireAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
        {
            // Lock names are limited to 64 characters; a hash of the database name always fits.
            var name = "branchtasks:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(database)))[..40];
            await using var command = new MySqlCommand("SELECT GET_LOCK(@name, @seconds)", connection);
            command.Parameters.AddWithValue("@name", name);
            command.Parameters.AddWithValue("@seconds", (int)Wait.TotalSeconds);
            command.CommandTimeout = (int)Wait.TotalSeconds + 30;
            var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (result is null or DBNull || Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture) != 1)
            {
                throw new BranchTasksException(
                    ErrorCodes.BranchCreateFailed,
                    $"Another BranchTasks process has been creating or deleting database {database} for more than {Wait.TotalMinutes:0} minutes; wait for it or stop it, then try again.");
            }

            return new CreateLock(connection, name);
        }

        public async ValueTask DisposeAsync()
        {
            if (connection.State != System.Data.ConnectionState.Open)
            {
                return;
            }

            try
            {
                await using var command = new MySqlCommand("SELECT RELEASE_LOCK(@name)", connection);
                command.Parameters.AddWithValue("@name", name);
                await command.ExecuteScalarAsync().ConfigureAwait(false);
            }
            catch (MySqlException)
            {
                // Released with the session anyway.
            }
        }
    }
}
