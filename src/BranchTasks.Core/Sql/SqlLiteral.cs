namespace BranchTasks.Core.Sql;

/// <summary>
/// String literals for the few statements that cannot take parameters (an <c>--init-file</c> script is run
/// by the server itself, with no client to bind values).
/// </summary>
public static class SqlLiteral
{
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
