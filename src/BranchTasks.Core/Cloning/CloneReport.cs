namespace BranchTasks.Core.Cloning;

/// <summary>How a clone copied each table's rows: as tablespace files, or by SQL and why.</summary>
public sealed record CloneReport(IReadOnlyList<string> AsFiles, IReadOnlyList<TableCopiedBySql> BySql)
{
    public static CloneReport Empty { get; } = new([], []);

    /// <summary>Small InnoDB tables whose rows were copied by SQL while the export lock held the parent still: of the files' moment.</summary>
    public IReadOnlyList<string> UnderExportLock { get; init; } = [];

    /// <summary>How the rows of a clone that goes wholly by SQL (no file access) were copied; None on the file path or without rows.</summary>
    public SqlRowCopy SqlCopy { get; init; }

    /// <summary>Tables of a parallel copy whose plain secondary keys were built after their rows.</summary>
    public IReadOnlyList<string> KeysAfterRows { get; init; } = [];

    /// <summary>Why such a clone copied in one transaction rather than on several connections; null when it did not.</summary>
    public string? OneTransactionReason { get; init; }

    /// <summary>
    /// One line for the developer when the clone took a slower way than it could have (tables that could not travel
    /// as files, rows copied in one transaction rather than in parallel), with the reasons; null when it did not.
    /// A clone that is suddenly ten times slower must say why rather than leave it to a guess.
    /// </summary>
    public string? SlowerPathNote()
    {
        if (SqlCopy == SqlRowCopy.OneTransaction && OneTransactionReason is not null)
        {
            return $"Rows were copied in one transaction, not on several connections: {OneTransactionReason}.";
        }

        if (SqlCopy != SqlRowCopy.None || BySql.Count == 0)
        {
            return null;
        }

        const int Shown = 5;
        var listed = string.Join("; ", BySql.Take(Shown).Select(t => $"{t.Table} ({t.Reason})"));
        var more = BySql.Count > Shown ? $"; and {BySql.Count - Shown} more" : string.Empty;
        return $"{BySql.Count} of {BySql.Count + AsFiles.Count + UnderExportLock.Count} tables could not travel as files and were copied by SQL after the others: {listed}{more}.";
    }
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
