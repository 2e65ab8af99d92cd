using System.Text;

namespace BranchTasks.Core.Sql;

/// <summary>
/// Splits MySQL text into tokens, just far enough that rewrites never touch what sits inside a string,
/// a quoted identifier or a comment. <c>/*! ... */</c> version comments are code, so their contents are scanned.
/// The <see cref="SqlDialect"/> decides what <c>"</c> starts and whether a backslash escapes inside a string.
/// </summary>
public static class SqlScanner
{
    public static List<SqlToken> Scan(string sql, SqlDialect dialect = default)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var start = i;
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                while (i < sql.Length && char.IsWhiteSpace(sql[i]))
                {
                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Whitespace, start, i - start, string.Empty));
            }
            else if (c == '`' || (c == '"' && dialect.AnsiQuotes))
            {
                // Identifiers know no backslash escapes, only a doubled quote.
                var value = ReadQuoted(sql, ref i, c, backslashEscapes: false);
                tokens.Add(new SqlToken(SqlTokenKind.QuotedIdentifier, start, i - start, value));
            }
            else if (c is '\'' or '"')
            {
                var value = ReadQuoted(sql, ref i, c, !dialect.NoBackslashEscapes);
                tokens.Add(new SqlToken(SqlTokenKind.StringLiteral, start, i - start, value));
            }
            else if (c == '#' || (c == '-' && At(sql, i + 1, '-') && (i + 2 >= sql.Length || char.IsWhiteSpace(sql[i + 2]))))
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Comment, start, i - start, string.Empty));
            }
            else if (c == '/' && At(sql, i + 1, '*') && !At(sql, i + 2, '!') && !(At(sql, i + 2, 'M') && At(sql, i + 3, '!')))
            {
                var close = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = close < 0 ? sql.Length : close + 2;
                tokens.Add(new SqlToken(SqlTokenKind.Comment, start, i - start, string.Empty));
            }
            else if (IsWordChar(c))
            {
                while (i < sql.Length && IsWordChar(sql[i]))
                {
                    i++;
                }

                tokens.Add(new SqlToken(SqlTokenKind.Word, start, i - start, sql[start..i]));
            }
            else
            {
                i++;
                tokens.Add(new SqlToken(SqlTokenKind.Symbol, start, 1, sql[start..i]));
            }
        }

        return tokens;
    }

    /// <summary>The index of the next token that is not whitespace or a comment, or -1.</summary>
    public static int NextSignificant(List<SqlToken> tokens, int index)
    {
        for (var i = index; i < tokens.Count; i++)
        {
            if (tokens[i].Kind is not (SqlTokenKind.Whitespace or SqlTokenKind.Comment))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The index of the previous token that is not whitespace or a comment, or -1.</summary>
    public static int PreviousSignificant(List<SqlToken> tokens, int index)
    {
        for (var i = index; i >= 0; i--)
        {
            if (tokens[i].Kind is not (SqlTokenKind.Whitespace or SqlTokenKind.Comment))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '$' || c > 0x7F;

    private static bool At(string sql, int index, char expected) => index < sql.Length && sql[index] == expected;

    private static string ReadQuoted(string sql, ref int i, char quote, bool backslashEscapes)
    {
        var value = new StringBuilder();
        i++;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (backslashEscapes && c == '\\' && i + 1 < sql.Length)
            {
                value.Append(sql[i + 1]);
                i += 2;
            }
            else if (c == quote)
            {
                if (At(sql, i + 1, quote))
                {
                    value.Append(quote);
                    i += 2;
                }
                else
                {
                    i++;
                    return value.ToString();
                }
            }
            else
            {
                value.Append(c);
                i++;
            }
        }

        return value.ToString();
    }
}
