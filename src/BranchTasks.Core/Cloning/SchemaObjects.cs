namespace BranchTasks.Core.Cloning;

public enum TableKind
{
    Table,
    Sequence,
}

/// <summary>A table or sequence of the parent, with its <c>SHOW CREATE TABLE</c> text.</summary>
/// <param name="CopyColumns">Columns whose values are copied: all but generated ones (invisible ones included).</param>
public sealed record TableDefinition(string Name, TableKind Kind, string CreateStatement, IReadOnlyList<string> CopyColumns);

public enum ProgramObjectKind
{
    View,
    Procedure,
    Function,
    Trigger,
    Event,
}

/// <summary>
/// A view, routine, trigger or event with the session settings it was created under; those settings are
/// part of its meaning (sql_mode changes how its body parses and behaves), so the copy is created under them.
/// </summary>
public sealed record ProgramObjectDefinition(
    ProgramObjectKind Kind,
    string Name,
    string CreateStatement,
    string? SqlMode,
    string? CharacterSetClient,
    string? CollationConnection,
    string? TimeZone)
{
    /// <summary>How <see cref="CreateStatement"/> splits into tokens: the way its sql_mode says.</summary>
    public Sql.SqlDialect Dialect => Sql.SqlDialect.FromSqlMode(SqlMode);
}

/// <summary>The default character set and collation of a schema.</summary>
public sealed record SchemaCharset(string CharacterSet, string Collation);
