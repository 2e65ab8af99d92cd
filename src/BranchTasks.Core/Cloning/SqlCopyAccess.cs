using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// What copying rows by SQL on several connections at once needs: more connections to the same server as the same
/// admin. Without it (or when the parent cannot be locked) every row goes by SQL in one transaction on the clone's
/// own connection.
/// </summary>
/// <param name="OpenConnectionAsync">Opens another admin connection, with the given default database (null: none).</param>
public sealed record SqlCopyAccess(Func<string?, CancellationToken, Task<MySqlConnection>> OpenConnectionAsync)
{
    /// <summary>How many connections copy tables at once.</summary>
    public int Connections { get; init; } = 4;

    /// <summary>
    /// How long the read lock on the parent may wait for a moment when no transaction is writing to it; after that the
    /// clone copies in one transaction instead. (MariaDB lets new writers past a waiting <c>LOCK TABLES … READ</c>, so
    /// a parent written without pause may never give the lock its moment.)
    /// </summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// InnoDB tables of at least this size in the parent get their plain secondary indexes built after their rows:
    /// that shortens the parent's lock by the index maintenance, while for small tables the two extra DDL statements
    /// (each a durable commit) cost more than they save.
    /// </summary>
    public long DeferIndexesFromBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>For tests: runs while the parent is locked, after every table's rows were copied.</summary>
    internal Func<Task>? WhileLocked { get; init; }
}
