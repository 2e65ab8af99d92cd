using System.Text;
using BranchTasks.Core.Sql;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Edits the <c>SHOW CREATE ...</c> text of views, triggers, routines and events so the copy is
/// self-contained and harmless: it refers to the child's tables, not the parent's; it belongs to whoever
/// created the copy; and events never fire.
/// </summary>
public static class DefinitionRewriter
{
    /// <summary>
    /// Replaces the database qualifier <paramref name="from"/> (as in <c>`from`.`t`</c> or <c>from.t</c>) with
    /// <paramref name="to"/>; names inside strings and comments, and a table or column that happens to share the
    /// database's name (<c>x.`from`.col</c>), are left alone.
    /// </summary>
    public static string RewriteQualifier(string sql, string from, string to, bool noBackslashEscapes = false)
    {
        var tokens = SqlScanner.Scan(sql, noBackslashEscapes);
        var result = new StringBuilder(sql.Length);
        var copied = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.IsIdentifier || !token.Value.Equals(from, StringComparison.Ordinal))
            {
                continue;
            }

            var next = SqlScanner.NextSignificant(tokens, i + 1);
            var previous = SqlScanner.PreviousSignificant(tokens, i - 1);
            var qualifies = next >= 0 && tokens[next] is { Kind: SqlTokenKind.Symbol, Value: "." };
            var isQualified = previous >= 0 && tokens[previous] is { Kind: SqlTokenKind.Symbol, Value: "." };
            if (qualifies && !isQualified)
            {
                result.Append(sql, copied, token.Start - copied).Append(SqlIdentifier.Quote(to));
                copied = token.End;
            }
        }

        return result.Append(sql, copied, sql.Length - copied).ToString();
    }

    /// <summary>
    /// Removes the <c>DEFINER=user@host</c> clause, so the object is owned by the account that creates the copy
    /// (the parent's definer may not exist on this server, or may not be one we want to act as).
    /// </summary>
    public static string StripDefiner(string sql)
    {
        var tokens = SqlScanner.Scan(sql);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!tokens[i].IsWord("DEFINER"))
            {
                continue;
            }

            var equals = SqlScanner.NextSignificant(tokens, i + 1);
            if (equals < 0 || tokens[equals] is not { Kind: SqlTokenKind.Symbol, Value: "=" })
            {
                continue;
            }

            var end = DefinerValueEnd(tokens, SqlScanner.NextSignificant(tokens, equals + 1));
            if (end < 0)
            {
                continue;
            }

            var after = end + 1 < tokens.Count && tokens[end + 1].Kind == SqlTokenKind.Whitespace ? tokens[end + 1].End : tokens[end].End;
            return string.Concat(sql.AsSpan(0, tokens[i].Start), sql.AsSpan(after));
        }

        return sql;
    }

    /// <summary>
    /// Makes a <c>CREATE EVENT</c> statement create the event disabled: its status (<c>ENABLE</c>) is the only
    /// bare ENABLE before the <c>DO</c> that starts the body. A statement without one is already disabled.
    /// </summary>
    public static string DisableEvent(string sql)
    {
        var tokens = SqlScanner.Scan(sql);
        foreach (var token in tokens)
        {
            if (token.IsWord("DO"))
            {
                break;
            }

            if (token.IsWord("ENABLE"))
            {
                return string.Concat(sql.AsSpan(0, token.Start), "DISABLE", sql.AsSpan(token.End));
            }
        }

        return sql;
    }

    // user@host, CURRENT_USER or CURRENT_USER(); returns the index of the clause's last token.
    private static int DefinerValueEnd(List<SqlToken> tokens, int user)
    {
        if (user < 0)
        {
            return -1;
        }

        if (tokens[user].IsWord("CURRENT_USER"))
        {
            var open = SqlScanner.NextSignificant(tokens, user + 1);
            if (open >= 0 && tokens[open] is { Kind: SqlTokenKind.Symbol, Value: "(" })
            {
                var close = SqlScanner.NextSignificant(tokens, open + 1);
                return close >= 0 && tokens[close] is { Kind: SqlTokenKind.Symbol, Value: ")" } ? close : -1;
            }

            return user;
        }

        if (tokens[user].Kind is not (SqlTokenKind.QuotedIdentifier or SqlTokenKind.StringLiteral or SqlTokenKind.Word))
        {
            return -1;
        }

        var at = user + 1;
        if (at >= tokens.Count || tokens[at] is not { Kind: SqlTokenKind.Symbol, Value: "@" })
        {
            // A role (MariaDB allows DEFINER=role) has no host part.
            return user;
        }

        var host = at + 1;
        if (host >= tokens.Count || tokens[host].Kind is SqlTokenKind.Whitespace or SqlTokenKind.Comment)
        {
            return -1;
        }

        // An unquoted host such as 127.0.0.1 or a %-pattern spans several tokens; take them up to the next space.
        var last = host;
        while (last + 1 < tokens.Count && tokens[last].Kind is SqlTokenKind.Word or SqlTokenKind.Symbol
               && tokens[last + 1].Kind is SqlTokenKind.Word or SqlTokenKind.Symbol)
        {
            last++;
        }

        return last;
    }
}
