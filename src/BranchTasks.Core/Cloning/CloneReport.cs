namespace BranchTasks.Core.Cloning;

/// <summary>How a clone copied each table's rows: as tablespace files, or by SQL and why.</summary>
public sealed record CloneReport(IReadOnlyList<string> AsFiles, IReadOnlyList<TableCopiedBySql> BySql)
{
    public static CloneReport Empty { get; } = new([], []);

    /// <summary>How the rows of a clone that goes wholly by SQL (no file access) were copied; None on the file path or without rows.</summary>
    public SqlRowCopy SqlCopy { get; init; }

    /// <summary>Tables of a parallel copy whose plain secondary keys were built after their rows.</summary>
    public IReadOnlyList<string> KeysAfterRows { get; init; } = [];

    /// <summary>Why such a clone copied in one transaction rather than on several connections; null when it did not.</summary>
    public string? OneTransactionReason { get; init; }
}

public sealed record TableCopiedBySql(string Table, string Reason);

public enum SqlRowCopy
{
    None,

    /// <summary>On several connections at once, while one read lock held the parent still.</summary>
    Parallel,

    /// <summary>In one transaction on the clone's own connection.</summary>
    OneTransaction,
}
