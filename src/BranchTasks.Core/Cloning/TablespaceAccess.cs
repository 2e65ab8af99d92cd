using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// What copying InnoDB tables as files needs: the server's data directory, readable and writable by this
/// process (the private server's, which lives in the developer's own state directory and runs as the same
/// OS user), and more connections to the same server as the same admin.
/// </summary>
/// <param name="DataDirectory">The server's <c>datadir</c>, as this process sees it.</param>
/// <param name="OpenConnectionAsync">Opens another admin connection, with the given default database (null: none).</param>
public sealed record TablespaceAccess(string DataDirectory, Func<string?, CancellationToken, Task<MySqlConnection>> OpenConnectionAsync)
{
    /// <summary>
    /// How long the export lock may wait for transactions that are writing to the parent; after that the
    /// clone copies every table by SQL instead, rather than keep the parent's writers queued behind it.
    /// </summary>
    public TimeSpan ExportLockWait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// InnoDB tables whose tablespace file is at most this big have their rows copied by SQL while the export lock
    /// holds the parent still, rather than travel as files: each file table costs two more durable DDL statements
    /// (DISCARD, IMPORT), which for a small table cost more than its rows (100 tables of 1000 rows: 1.2–1.9× of
    /// dump and load as files). 0: every InnoDB table that can travel as a file does.
    /// </summary>
    public long SmallTableBytes { get; init; } = 1024 * 1024;

    /// <summary>How many connections discard and import tablespaces, or copy small tables, at once.</summary>
    public int ImportConnections { get; init; } = 3;

    /// <summary>For tests: runs while the parent's tables are locked for export, after their files were copied.</summary>
    internal Func<Task>? WhileLocked { get; init; }

    /// <summary>For tests: runs right after the export lock was released, before the copies are imported.</summary>
    internal Func<Task>? AfterUnlock { get; init; }
}
