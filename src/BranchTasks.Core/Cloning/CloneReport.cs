namespace BranchTasks.Core.Cloning;

/// <summary>How a clone copied each table's rows: as tablespace files, or by SQL and why.</summary>
public sealed record CloneReport(IReadOnlyList<string> AsFiles, IReadOnlyList<TableCopiedBySql> BySql)
{
    public static CloneReport Empty { get; } = new([], []);
}

public sealed record TableCopiedBySql(string Table, string Reason);
