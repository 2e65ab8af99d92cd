using System.Text.RegularExpressions;
using BranchTasks.Core.Cloning;
using MySqlConnector;

namespace BranchTasks.Core.Ensure;

/// <summary>One difference between a branch's schema and its parent's.</summary>
/// <param name="Kind">table, sequence, view, procedure, function, trigger, event.</param>
/// <param name="Change">added (only in the branch), removed (only in the parent), changed.</param>
/// <param name="Details">For a changed table: columns and indexes added, removed or changed; for others, empty.</param>
public sealed record SchemaChange(string Kind, string Name, string Change, IReadOnlyList<string> Details);

/// <summary>The schema difference `branchtasks branch diff` prints.</summary>
public sealed record SchemaDiff(string Branch, string Database, string Parent, string ParentDatabase, IReadOnlyList<SchemaChange> Changes);

/// <summary>Compares two schemas object by object through their SHOW CREATE texts.</summary>
public static partial class SchemaComparer
{
    public static async Task<IReadOnlyList<SchemaChange>> CompareAsync(MySqlConnection branchConnection, string branchDatabase, MySqlConnection parentConnection, string parentDatabase, CancellationToken cancellationToken)
    {
        var branch = await ReadAsync(branchConnection, branchDatabase, cancellationToken).ConfigureAwait(false);
        var parent = await ReadAsync(parentConnection, parentDatabase, cancellationToken).ConfigureAwait(false);
        var changes = new List<SchemaChange>();
        foreach (var key in branch.Keys.Union(parent.Keys).OrderBy(k => k.Kind, StringComparer.Ordinal).ThenBy(k => k.Name, StringComparer.Ordinal))
        {
            var inBranch = branch.TryGetValue(key, out var branchText);
            var inParent = parent.TryGetValue(key, out var parentText);
            if (inBranch && !inParent)
            {
                changes.Add(new SchemaChange(key.Kind, key.Name, "added", []));
            }
            else if (!inBranch && inParent)
            {
                changes.Add(new SchemaChange(key.Kind, key.Name, "removed", []));
            }
            else if (branchText != parentText)
            {
                var details = key.Kind is "table" ? TableDetails(parentText!, branchText!) : [];
                changes.Add(new SchemaChange(key.Kind, key.Name, "changed", details));
            }
        }

        return changes;
    }

    private static async Task<Dictionary<(string Kind, string Name), string>> ReadAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        var reader = new SchemaObjectReader(connection);
        var objects = new Dictionary<(string, string), string>();
        foreach (var table in await reader.ReadTablesAsync(database, cancellationToken).ConfigureAwait(false))
        {
            objects[(table.Kind == TableKind.Sequence ? "sequence" : "table", table.Name)] = Normalize(table.CreateStatement, database);
        }

        var programs = new List<ProgramObjectDefinition>();
        programs.AddRange(await reader.ReadViewsAsync(database, cancellationToken).ConfigureAwait(false));
        programs.AddRange(await reader.ReadRoutinesAsync(database, cancellationToken).ConfigureAwait(false));
        programs.AddRange(await reader.ReadTriggersAsync(database, cancellationToken).ConfigureAwait(false));
        programs.AddRange(await reader.ReadEventsAsync(database, cancellationToken).ConfigureAwait(false));
        foreach (var program in programs)
        {
            var text = Normalize(program.CreateStatement, database);
            if (program.Kind == ProgramObjectKind.Event)
            {
                // Copies are created disabled on purpose; that is not a schema difference.
                text = EventStatus().Replace(text, "");
            }

            objects[(program.Kind.ToString().ToLowerInvariant(), program.Name)] = text;
        }

        return objects;
    }

    /// <summary>Drops what differs between identical schemas: the database's own name, counters, definers.</summary>
    private static string Normalize(string statement, string database)
    {
        var text = statement.Replace("`" + database.Replace("`", "``", StringComparison.Ordinal) + "`.", "", StringComparison.Ordinal);
        text = AutoIncrement().Replace(text, "");
        text = Definer().Replace(text, "");
        return text.Trim();
    }

    private static List<string> TableDetails(string parent, string branch)
    {
        var before = Parts(parent);
        var after = Parts(branch);
        var details = new List<string>();
        foreach (var (name, line) in after.Where(p => !before.ContainsKey(p.Key)))
        {
            details.Add($"+ {name}: {line}");
        }

        foreach (var (name, line) in before.Where(p => !after.ContainsKey(p.Key)))
        {
            details.Add($"- {name}: {line}");
        }

        foreach (var (name, line) in after.Where(p => before.TryGetValue(p.Key, out var old) && old != p.Value))
        {
            details.Add($"~ {name}: {before[name]} -> {line}");
        }

        var optionsBefore = TableOptions(parent);
        var optionsAfter = TableOptions(branch);
        if (optionsBefore != optionsAfter)
        {
            details.Add($"~ options: {optionsBefore} -> {optionsAfter}");
        }

        return details;
    }

    /// <summary>Columns (column `x`) and indexes/constraints (index `x`, primary key, constraint `x`) of a SHOW CREATE TABLE.</summary>
    private static Dictionary<string, string> Parts(string createTable)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in createTable.Split('\n').Skip(1))
        {
            var line = raw.Trim().TrimEnd(',');
            if (line.StartsWith(')') || line.Length == 0)
            {
                continue;
            }

            string name;
            if (line.StartsWith('`'))
            {
                name = "column " + line[..(line.IndexOf('`', 1) + 1)];
            }
            else if (line.StartsWith("PRIMARY KEY", StringComparison.Ordinal))
            {
                name = "primary key";
            }
            else if (IndexName().Match(line) is { Success: true } match)
            {
                name = (match.Groups[1].Value.StartsWith("CONSTRAINT", StringComparison.Ordinal) ? "constraint " : "index ") + match.Groups[2].Value;
            }
            else
            {
                name = "definition " + line;
            }

            parts[name] = line;
        }

        return parts;
    }

    private static string TableOptions(string createTable)
    {
        var last = createTable.Split('\n').LastOrDefault(l => l.StartsWith(')'));
        return last?.TrimStart(')').Trim() ?? "";
    }

    [GeneratedRegex(@" AUTO_INCREMENT=\d+")]
    private static partial Regex AutoIncrement();

    [GeneratedRegex(@" DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`")]
    private static partial Regex Definer();

    [GeneratedRegex(@" (ENABLE|DISABLE|DISABLE ON SLAVE|DISABLE ON REPLICA)(?= ON COMPLETION| COMMENT| DO)")]
    private static partial Regex EventStatus();

    [GeneratedRegex(@"^((?:UNIQUE |FULLTEXT |SPATIAL |FOREIGN |VECTOR )?KEY|CONSTRAINT|INDEX) (`(?:[^`]|``)*`)")]
    private static partial Regex IndexName();
}
