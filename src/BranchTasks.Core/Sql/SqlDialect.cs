namespace BranchTasks.Core.Sql;

/// <summary>
/// The parts of a sql_mode that change how text splits into tokens. A stored view, routine, trigger or event
/// keeps the sql_mode it was created under, and its text only reads right under that mode.
/// </summary>
/// <param name="AnsiQuotes"><c>"..."</c> is a quoted identifier, not a string.</param>
/// <param name="NoBackslashEscapes">A backslash inside a string is an ordinary character.</param>
public readonly record struct SqlDialect(bool AnsiQuotes, bool NoBackslashEscapes)
{
    /// <summary>The dialect of a sql_mode value as the server reports it (a comma-separated list; ANSI and ORACLE are shown expanded).</summary>
    public static SqlDialect FromSqlMode(string? sqlMode)
    {
        if (string.IsNullOrEmpty(sqlMode))
        {
            return default;
        }

        var flags = sqlMode.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new SqlDialect(
            flags.Contains("ANSI_QUOTES", StringComparer.OrdinalIgnoreCase),
            flags.Contains("NO_BACKSLASH_ESCAPES", StringComparer.OrdinalIgnoreCase));
    }
}
