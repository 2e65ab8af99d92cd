using BranchTasks.Core.Sql;

namespace BranchTasks.Core.Tests.Sql;

public sealed class SqlScannerTests
{
    [Fact]
    public void Double_quotes_make_a_string_by_default_and_an_identifier_under_ANSI_QUOTES()
    {
        const string sql = "select \"a\"\"b\" from t";

        var plain = Single(SqlScanner.Scan(sql), "a\"b");
        var ansi = Single(SqlScanner.Scan(sql, new SqlDialect(AnsiQuotes: true, NoBackslashEscapes: false)), "a\"b");

        Assert.Equal(SqlTokenKind.StringLiteral, plain.Kind);
        Assert.Equal(SqlTokenKind.QuotedIdentifier, ansi.Kind);
        Assert.True(ansi.IsIdentifier);
        Assert.Equal("\"a\"\"b\"", sql[ansi.Start..ansi.End]);
    }

    [Fact]
    public void A_backslash_does_not_escape_inside_an_ANSI_quoted_identifier()
    {
        const string sql = "select \"dir\\\" from t";

        var tokens = SqlScanner.Scan(sql, new SqlDialect(AnsiQuotes: true, NoBackslashEscapes: false));

        Assert.Equal("dir\\", Single(tokens, "dir\\").Value);
        Assert.Contains(tokens, t => t.IsWord("from"));
    }

    [Fact]
    public void Single_quotes_stay_strings_under_ANSI_QUOTES()
    {
        var tokens = SqlScanner.Scan("select 'x.y' from \"s\".\"t\"", new SqlDialect(AnsiQuotes: true, NoBackslashEscapes: false));

        Assert.Equal(SqlTokenKind.StringLiteral, Single(tokens, "x.y").Kind);
        Assert.Equal(SqlTokenKind.QuotedIdentifier, Single(tokens, "s").Kind);
        Assert.Equal(SqlTokenKind.QuotedIdentifier, Single(tokens, "t").Kind);
    }

    [Fact]
    public void Under_NO_BACKSLASH_ESCAPES_a_backslash_before_a_quote_is_a_character_and_the_string_ends()
    {
        const string sql = "select 'dir\\', x from t";

        var escaping = SqlScanner.Scan(sql);
        var literal = SqlScanner.Scan(sql, new SqlDialect(AnsiQuotes: false, NoBackslashEscapes: true));

        Assert.DoesNotContain(escaping, t => t.IsWord("from"));
        Assert.Equal("dir\\", literal.First(t => t.Kind == SqlTokenKind.StringLiteral).Value);
        Assert.Contains(literal, t => t.IsWord("from"));
    }

    [Theory]
    [InlineData(null, false, false)]
    [InlineData("", false, false)]
    [InlineData("STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION", false, false)]
    [InlineData("ANSI_QUOTES", true, false)]
    [InlineData("REAL_AS_FLOAT,PIPES_AS_CONCAT,ANSI_QUOTES,IGNORE_SPACE,ONLY_FULL_GROUP_BY,ANSI", true, false)]
    [InlineData("NO_BACKSLASH_ESCAPES", false, true)]
    [InlineData("ansi_quotes, no_backslash_escapes", true, true)]
    [InlineData("NO_ANSI_QUOTES_LIKE_FLAG", false, false)]
    public void The_dialect_comes_from_the_sql_mode_flags(string? sqlMode, bool ansiQuotes, bool noBackslashEscapes)
    {
        Assert.Equal(new SqlDialect(ansiQuotes, noBackslashEscapes), SqlDialect.FromSqlMode(sqlMode));
    }

    private static SqlToken Single(List<SqlToken> tokens, string value) => Assert.Single(tokens, t => t.Value == value);
}
