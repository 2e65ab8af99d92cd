namespace BranchTasks.Core.Hooks;

/// <summary>
/// Reads single values from a git config file (<c>.git/config</c>) without running git: sections,
/// subsections, case-insensitive keys, quoted values, comments and line continuations. Includes are not followed.
/// </summary>
public static class GitConfigFile
{
    /// <summary>The last value of <paramref name="section"/>.<paramref name="key"/> (e.g. core.hooksPath), or null.</summary>
    public static string? GetValue(string path, string section, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        string? current = null;
        string? found = null;
        var lines = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                var end = line.IndexOf(']', StringComparison.Ordinal);
                if (end < 0)
                {
                    continue;
                }

                var header = line[1..end].Trim();
                // [section "subsection"] or the old [section.subsection]: only the plain section counts here.
                current = header.Contains(' ', StringComparison.Ordinal) || header.Contains('.', StringComparison.Ordinal) ? null : header;
                line = line[(end + 1)..].Trim();
                if (line.Length == 0)
                {
                    continue;
                }
            }

            if (current is null || !current.Equals(section, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? line : line[..equals]).Trim();
            if (!name.Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (equals < 0)
            {
                found = "true";
                continue;
            }

            var raw = line[(equals + 1)..];
            while (raw.EndsWith('\\') && i + 1 < lines.Length)
            {
                raw = raw[..^1] + lines[++i];
            }

            found = ParseValue(raw);
        }

        return found;
    }

    private static string ParseValue(string raw)
    {
        var result = new System.Text.StringBuilder();
        var quoted = false;
        var pendingSpace = new System.Text.StringBuilder();
        var started = false;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (!quoted && c is '#' or ';')
            {
                break;
            }

            if (c == '"')
            {
                quoted = !quoted;
                started = true;
                continue;
            }

            if (c == '\\' && i + 1 < raw.Length)
            {
                var next = raw[++i];
                result.Append(pendingSpace).Append(next switch { 'n' => '\n', 't' => '\t', 'b' => '\b', _ => next });
                pendingSpace.Clear();
                started = true;
                continue;
            }

            if (!quoted && char.IsWhiteSpace(c))
            {
                if (started)
                {
                    pendingSpace.Append(c);
                }

                continue;
            }

            result.Append(pendingSpace).Append(c);
            pendingSpace.Clear();
            started = true;
        }

        return result.ToString();
    }
}
