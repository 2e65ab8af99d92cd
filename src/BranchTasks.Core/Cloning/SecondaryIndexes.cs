using BranchTasks.Core.Sql;

namespace BranchTasks.Core.Cloning;

/// <summary>A plain (non-unique) secondary index as <c>SHOW CREATE TABLE</c> prints it: its name and its whole clause.</summary>
internal sealed record SecondaryIndex(string Name, string Clause);

/// <summary>
/// The plain secondary indexes of a table, read from its <c>SHOW CREATE TABLE</c> text, and the two statements that
/// take them off an empty table and put them back after its rows. The clause is re-used as the server printed it
/// (prefix lengths, order, comment, visibility), so the table ends up with the definition it was created with; the
/// server lists plain keys after the unique ones in the order they were added, so adding them back in their printed
/// order restores the printed order too.
/// </summary>
internal static class SecondaryIndexes
{
    private const string KeyLine = "  KEY `";

    /// <summary>
    /// The table's plain keys; empty when its text is not in the expected shape (backtick quoting, one clause a line),
    /// so a table that cannot be read safely keeps its indexes while its rows are copied.
    /// </summary>
    public static IReadOnlyList<SecondaryIndex> Read(string createStatement)
    {
        var keys = new List<SecondaryIndex>();
        foreach (var line in createStatement.Split('\n'))
        {
            if (!line.StartsWith(KeyLine, StringComparison.Ordinal))
            {
                continue;
            }

            var name = ReadQuotedName(line, KeyLine.Length - 1, out var end);
            if (name is null || end >= line.Length || line[end] != ' ')
            {
                return [];
            }

            keys.Add(new SecondaryIndex(name, line.Trim().TrimEnd(',')));
        }

        return keys;
    }

    public static string DropStatement(string schema, string table, IReadOnlyList<SecondaryIndex> keys) =>
        $"ALTER TABLE {SqlIdentifier.Quote(schema, table)} " + string.Join(", ", keys.Select(k => "DROP KEY " + SqlIdentifier.Quote(k.Name)));

    public static string AddStatement(string schema, string table, IReadOnlyList<SecondaryIndex> keys) =>
        $"ALTER TABLE {SqlIdentifier.Quote(schema, table)} " + string.Join(", ", keys.Select(k => "ADD " + k.Clause));

    /// <summary>A backtick-quoted name starting at <paramref name="start"/> (doubled backticks inside); null if unterminated.</summary>
    private static string? ReadQuotedName(string line, int start, out int end)
    {
        var name = new System.Text.StringBuilder();
        for (var i = start + 1; i < line.Length; i++)
        {
            if (line[i] != '`')
            {
                name.Append(line[i]);
            }
            else if (i + 1 < line.Length && line[i + 1] == '`')
            {
                name.Append('`');
                i++;
            }
            else
            {
                end = i + 1;
                return name.ToString();
            }
        }

        end = line.Length;
        return null;
    }
}
