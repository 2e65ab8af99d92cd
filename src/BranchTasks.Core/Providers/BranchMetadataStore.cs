using System.Data.Common;
using MySqlConnector;

namespace BranchTasks.Core.Providers;

/// <summary>
/// The per-branch metadata records kept on the server itself (database <c>_branchtasks</c>, or
/// <c>&lt;prefix&gt;_branchtasks</c> on a shared server with a database prefix), so every
/// machine and process that talks to the server agrees on which databases BranchTasks owns.
/// </summary>
public sealed class BranchMetadataStore(string adminConnectionString, string schemaName = BranchMetadataStore.DefaultSchemaName)
{
    public const string DefaultSchemaName = "_branchtasks";

    private readonly string _schema = Sql.SqlIdentifier.Quote(schemaName);

    /// <summary>The metadata database for a database-name prefix: never a name a branch database can have (those start with a letter after the prefix).</summary>
    public static string SchemaNameFor(string databasePrefix) => databasePrefix + DefaultSchemaName;

    private const string Columns = "database_name, project, branch, parent, git_branch, state, created_at, last_used_at";

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
              KEY project_branch (project, branch)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
            """,
            [],
            cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<BranchMetadata>> ListAsync(string project, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM {_schema}.`branches` WHERE project = @project ORDER BY branch", [("@project", project)], cancellationToken);

    public async Task<BranchMetadata?> FindAsync(string project, string branch, CancellationToken cancellationToken) =>
        (await QueryAsync(
            $"SELECT {Columns} FROM {_schema}.`branches` WHERE project = @project AND branch = @branch",
            [("@project", project), ("@branch", branch)],
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public async Task<BranchMetadata?> FindByDatabaseAsync(string databaseName, CancellationToken cancellationToken) =>
        (await QueryAsync(
            $"SELECT {Columns} FROM {_schema}.`branches` WHERE database_name = @database",
            [("@database", databaseName)],
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Records a branch as being created. Throws a duplicate-key <see cref="MySqlException"/> if the database is already recorded.</summary>
    public Task InsertCreatingAsync(string databaseName, string project, string branch, string? parent, string? gitBranch, CancellationToken cancellationToken) =>
        ExecuteAsync(
            $"INSERT INTO {_schema}.`branches` (database_name, project, branch, parent, git_branch, state, created_at, last_used_at) " +
            "VALUES (@database, @project, @branch, @parent, @gitBranch, 'creating', UTC_TIMESTAMP(6), NULL)",
            [("@database", databaseName), ("@project", project), ("@branch", branch), ("@parent", parent), ("@gitBranch", gitBranch)],
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
        await using var connection = new MySqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(sql, parameters, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<BranchMetadata>> QueryAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
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
        reader.IsDBNull(7) ? null : Utc(reader.GetDateTime(7)));

    // Stored as UTC_TIMESTAMP, read back without a zone.
    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
