namespace BranchTasks.Core.Sql;

/// <summary>
/// Quoting for names that end up inside SQL text. Names come from users and from other people's schemas,
/// so every one is quoted; a backtick inside a name is doubled, which is the only escape MySQL needs.
/// </summary>
public static class SqlIdentifier
{
    public static string Quote(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";
    }

    /// <summary><c>`schema`.`name`</c>.</summary>
    public static string Quote(string schema, string name) => Quote(schema) + "." + Quote(name);
}
