using System.Text;
using BranchTasks.Core.Sql;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Edits the <c>SHOW CREATE ...</c> text of views, triggers, routines and events so the copy is
/// self-contained and harmless: it refers to the child's tables, not the parent's; it keeps its definer (or
/// takes a stand-in the caller chose); and events never fire. Each text is scanned in the dialect of the
/// sql_mode it was created under.
/// </summary>
public static class DefinitionRewriter
{
    /// <summary>
    /// Replaces the database qualifier <paramref name="from"/> (as in <c>`from`.`t`</c> or <c>from.t</c>) with
    /// <paramref name="to"/>; names inside strings and comments, and a table or column that happens to share the
    /// database's name (<c>x.`from`.col</c>), are left alone.
    /// </summary>
    public static string RewriteQualifier(string sql, string from, string to, SqlDialect dialect = default)
    {
        // Backticks quote an identifier in every sql_mode, so the replacement needs no dialect of its own.
        var tokens = SqlScanner.Scan(sql, dialect);
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
    /// The <c>DEFINER = user@host</c> clause of a <c>SHOW CREATE</c> text, or null when it has none. Only the
    /// clause in the statement's head counts, never the word inside a string or a body.
    /// </summary>
    public static DefinerClause? FindDefiner(string sql, SqlDialect dialect = default)
    {
        // CREATE [OR REPLACE] [ALGORITHM = x] DEFINER = account ...: that is where every SHOW CREATE puts it.
        var tokens = SqlScanner.Scan(sql, dialect);
        var i = SqlScanner.NextSignificant(tokens, 0);
        if (i < 0 || !tokens[i].IsWord("CREATE"))
        {
            return null;
        }

        i = Skip(tokens, i, 1);
        if (i >= 0 && tokens[i].IsWord("OR"))
        {
            i = Skip(tokens, i, 2);
        }

        if (i >= 0 && tokens[i].IsWord("ALGORITHM"))
        {
            i = Skip(tokens, i, 3);
        }

        if (i < 0 || !tokens[i].IsWord("DEFINER"))
        {
            return null;
        }

        var equals = SqlScanner.NextSignificant(tokens, i + 1);
        if (equals < 0 || tokens[equals] is not { Kind: SqlTokenKind.Symbol, Value: "=" })
        {
            return null;
        }

        var value = SqlScanner.NextSignificant(tokens, equals + 1);
        var end = DefinerValueEnd(tokens, value);
        return end < 0 ? null : new DefinerClause(tokens[value].Start, tokens[end].End - tokens[value].Start, Account(sql, tokens, value, end));
    }

    /// <summary>The statement with its definer replaced by <paramref name="account"/> (already quoted, <c>'user'@'host'</c>).</summary>
    public static string ReplaceDefiner(string sql, DefinerClause definer, string account)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(definer);
        return string.Concat(sql.AsSpan(0, definer.Start), account, sql.AsSpan(definer.Start + definer.Length));
    }

    /// <summary>Whether <paramref name="account"/> is one quoted <c>user@host</c> and nothing else, so it can stand in a DEFINER clause.</summary>
    public static bool IsAccount(string account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var clause = FindDefiner("CREATE DEFINER=" + account + " VIEW");
        return clause is not null && clause.Start == "CREATE DEFINER=".Length && clause.Length == account.Length && account.Contains('@', StringComparison.Ordinal);
    }

    /// <summary>
    /// Makes a <c>CREATE EVENT</c> statement create the event disabled: its status (<c>ENABLE</c>) is the only
    /// bare ENABLE before the <c>DO</c> that starts the body. A statement without one is already disabled.
    /// </summary>
    public static string DisableEvent(string sql, SqlDialect dialect = default)
    {
        var tokens = SqlScanner.Scan(sql, dialect);
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

    // The index of the significant token count places after index, or -1.
    private static int Skip(List<SqlToken> tokens, int index, int count)
    {
        for (var n = 0; n < count && index >= 0; n++)
        {
            index = SqlScanner.NextSignificant(tokens, index + 1);
        }

        return index;
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

    // The account as 'user'@'host', whatever quoting the text used, for messages.
    private static string Account(string sql, List<SqlToken> tokens, int user, int end)
    {
        if (tokens[user].IsWord("CURRENT_USER"))
        {
            return "CURRENT_USER";
        }

        var name = SqlLiteral.Quote(tokens[user].Value);
        if (end == user)
        {
            return name;
        }

        var host = user + 2 == end && tokens[end].Kind != SqlTokenKind.Symbol ? tokens[end].Value : sql[tokens[user + 2].Start..tokens[end].End];
        return name + "@" + SqlLiteral.Quote(host);
    }
}

/// <summary>Where the account of a DEFINER clause stands in the text, and the account as <c>'user'@'host'</c>.</summary>
public sealed record DefinerClause(int Start, int Length, string Account);
