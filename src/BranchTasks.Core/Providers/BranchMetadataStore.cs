using System.Data.Common;
using MySqlConnector;

namespace BranchTasks.Core.Providers;

/// <summary>
/// The per-branch metadata records kept on the server itself (database <c>_branchtasks</c>, or
/// <c>&lt;prefix&gt;_branchtasks</c> on a shared server with a database prefix), so every
/// machine and process that talks to the server agrees on which databases BranchTasks owns.
/// </summary>
/// <param name="openAdmin">Opens an admin connection (no database), under the server's TLS policy.</param>
public sealed class BranchMetadataStore(Func<CancellationToken, Task<MySqlConnection>> openAdmin, string schemaName = BranchMetadataStore.DefaultSchemaName)
{
    public const string DefaultSchemaName = "_branchtasks";

    private readonly string _schema = Sql.SqlIdentifier.Quote(schemaName);

    /// <summary>The metadata database for a database-name prefix: never a name a branch database can have (those start with a letter after the prefix).</summary>
    public static string SchemaNameFor(string databasePrefix) => databasePrefix + DefaultSchemaName;

    private const string Columns = "database_name, project, branch, parent, git_branch, state, created_at, last_used_at, repository, owner, repository_location";

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            $"CREATE DATABASE IF NOT EXISTS {_schema} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            [],
            cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            $$"""
            CREATE TABLE IF NOT EXISTS {{_schema}}.`branches` (
              database_name VARCHAR(64) NOT NULL PRIMARY KEY,
              project VARCHAR(64) NOT NULL,
              branch VARCHAR(64) NOT NULL,
              parent VARCHAR(64) NULL,
              git_branch VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
              state ENUM('creating','ready') NOT NULL,
              created_at DATETIME(6) NOT NULL,
              last_used_at DATETIME(6) NULL,
              repository VARCHAR(100) NULL,
              owner VARCHAR(400) NULL,
              repository_location VARCHAR(1024) NULL,
              KEY project_branch (project, branch)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
            """,
            [],
            cancellationToken).ConfigureAwait(false);
        await AddOwnershipColumnsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Tables made before ownership was recorded get its columns (MySQL has no ADD COLUMN IF NOT EXISTS); their
    /// rows stay, with NULL ownership, until the repository that uses them claims them.
    /// </summary>
    private async Task AddOwnershipColumnsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await openAdmin(cancellationToken).ConfigureAwait(false);
        await using var check = Command(
            "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @schema AND TABLE_NAME = 'branches' AND COLUMN_NAME = 'repository'",
            [("@schema", schemaName)],
            connection);
        if (Convert.ToInt64(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0)
        {
            return;
        }

        await using var alter = Command(
            $"ALTER TABLE {_schema}.`branches` ADD COLUMN repository VARCHAR(100) NULL, ADD COLUMN owner VARCHAR(400) NULL, ADD COLUMN repository_location VARCHAR(1024) NULL",
            [],
            connection);
        try
        {
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateFieldName)
        {
            // Another process added them meanwhile.
        }
    }

    /// <summary>
    /// Claims the metadata schema (and so its database prefix) for <paramref name="login"/>, or returns the login
    /// that claimed it first. A shared server's prefix is one developer's: two logins never share branches silently.
    /// </summary>
    public async Task<string> ClaimSchemaAsync(string login, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            $"CREATE TABLE IF NOT EXISTS {_schema}.`owner` (id TINYINT NOT NULL PRIMARY KEY, login VARCHAR(400) NOT NULL, claimed_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            [],
            cancellationToken).ConfigureAwait(false);
        await ExecuteAsync($"INSERT IGNORE INTO {_schema}.`owner` (id, login, claimed_at) VALUES (1, @login, UTC_TIMESTAMP(6))", [("@login", login)], cancellationToken).ConfigureAwait(false);
        await using var connection = await openAdmin(cancellationToken).ConfigureAwait(false);
        await using var command = Command($"SELECT login FROM {_schema}.`owner` WHERE id = 1", [], connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Claims a record for <paramref name="owner"/> when it has no owner yet (made before ownership was recorded)
    /// or was made under this repository's stand-in id (before its first commit). Never takes another's record.
    /// </summary>
    public Task ClaimAsync(string databaseName, BranchOwner owner, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"UPDATE {_schema}.`branches` SET repository = @repository, owner = COALESCE(owner, @owner), repository_location = COALESCE(repository_location, @location) " +
            "WHERE database_name = @database AND (repository IS NULL OR repository = @localId) AND @repository <> @localId",
            [("@database", databaseName), ("@repository", owner.Repository.Id), ("@localId", owner.Repository.LocalId), ("@owner", owner.Developer), ("@location", owner.Repository.Location)],
            cancellationToken);

    public Task<IReadOnlyList<BranchMetadata>> ListAsync(string project, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM {_schema}.`branches` WHERE project = @project ORDER BY branch", [("@project", project)], cancellationToken);

    public async Task<BranchMetadata?> FindAsync(string project, string branch, CancellationToken cancellationToken) =>
        (await QueryAsync(
            $"SELECT {Columns} FROM {_schema}.`branches` WHERE project = @project AND branch = @branch",
            [("@project", project), ("@branch", branch)],
            cancellationToken).ConfigureAwait(false)) is [var first, ..] ? first : null;

    public async Task<BranchMetadata?> FindByDatabaseAsync(string databaseName, CancellationToken cancellationToken) =>
        (await QueryAsync(
            $"SELECT {Columns} FROM {_schema}.`branches` WHERE database_name = @database",
            [("@database", databaseName)],
            cancellationToken).ConfigureAwait(false)) is [var first, ..] ? first : null;

    /// <summary>Records a branch as being created. Throws a duplicate-key <see cref="MySqlException"/> if the database is already recorded.</summary>
    public Task InsertCreatingAsync(string databaseName, string project, string branch, string? parent, string? gitBranch, BranchOwner owner, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"INSERT INTO {_schema}.`branches` (database_name, project, branch, parent, git_branch, state, created_at, last_used_at, repository, owner, repository_location) " +
            "VALUES (@database, @project, @branch, @parent, @gitBranch, 'creating', UTC_TIMESTAMP(6), NULL, @repository, @owner, @location)",
            [("@database", databaseName), ("@project", project), ("@branch", branch), ("@parent", parent), ("@gitBranch", gitBranch),
             ("@repository", owner.Repository.Id), ("@owner", owner.Developer), ("@location", owner.Repository.Location)],
            cancellationToken);

    public Task MarkReadyAsync(string databaseName, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"UPDATE {_schema}.`branches` SET state = 'ready' WHERE database_name = @database",
            [("@database", databaseName)],
            cancellationToken);

    /// <summary>Hides a ready branch again while its database is being replaced (reset), so nobody uses it half-made.</summary>
    public Task MarkCreatingAsync(string databaseName, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"UPDATE {_schema}.`branches` SET state = 'creating' WHERE database_name = @database",
            [("@database", databaseName)],
            cancellationToken);

    public Task TouchAsync(string databaseName, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"UPDATE {_schema}.`branches` SET last_used_at = UTC_TIMESTAMP(6) WHERE database_name = @database",
            [("@database", databaseName)],
            cancellationToken);

    public Task DeleteAsync(string databaseName, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"DELETE FROM {_schema}.`branches` WHERE database_name = @database",
            [("@database", databaseName)],
            cancellationToken);

    private async Task ExecuteAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await openAdmin(cancellationToken).ConfigureAwait(false);
        await using var command = Command(sql, parameters, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<BranchMetadata>> QueryAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await openAdmin(cancellationToken).ConfigureAwait(false);
        await using var command = Command(sql, parameters, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<BranchMetadata>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    private static MySqlCommand Command(string sql, (string Name, object? Value)[] parameters, MySqlConnection connection)
    {
        var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static BranchMetadata Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetString(5) == "ready" ? BranchState.Ready : BranchState.Creating,
        Utc(reader.GetDateTime(6)),
        reader.IsDBNull(7) ? null : Utc(reader.GetDateTime(7)))
    {
        Repository = reader.IsDBNull(8) ? null : reader.GetString(8),
        Owner = reader.IsDBNull(9) ? null : reader.GetString(9),
        RepositoryLocation = reader.IsDBNull(10) ? null : reader.GetString(10),
    };

    // Stored as UTC_TIMESTAMP, read back without a zone.
    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
