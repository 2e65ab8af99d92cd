using BranchTasks.Core.Cloning;
using BranchTasks.Core.Sql;

namespace BranchTasks.Core.Tests.Cloning;

public sealed class DefinitionRewriterTests
{
    [Theory]
    [InlineData("plain", "`plain`")]
    [InlineData("we`ird", "`we``ird`")]
    [InlineData("a'b;c\"d", "`a'b;c\"d`")]
    [InlineData("``", "``````")]
    public void Identifiers_are_backticked_with_backticks_doubled(string name, string quoted)
    {
        Assert.Equal(quoted, SqlIdentifier.Quote(name));
    }

    [Fact]
    public void The_parent_qualifier_is_rewritten_quoted_or_bare()
    {
        var sql = "select `app_main`.`t`.`id` AS `id` from `app_main`.`t` join app_main.u on 1 = 1";

        var rewritten = DefinitionRewriter.RewriteQualifier(sql, "app_main", "app_feature");

        Assert.Equal("select `app_feature`.`t`.`id` AS `id` from `app_feature`.`t` join `app_feature`.u on 1 = 1", rewritten);
    }

    [Fact]
    public void Strings_comments_and_same_named_tables_or_columns_are_not_rewritten()
    {
        var sql = "select 'app_main.t', \"`app_main`.x\", `other`.`app_main`.`c` /* app_main.t */ from `app_main` -- app_main.t\n";

        var rewritten = DefinitionRewriter.RewriteQualifier(sql, "app_main", "child");

        Assert.Equal(sql, rewritten);
    }

    [Fact]
    public void Backslash_escaped_quotes_do_not_end_a_string_early()
    {
        var sql = @"select 'it\'s app_main.t' AS x from `app_main`.`t`";

        Assert.Equal(@"select 'it\'s app_main.t' AS x from `child`.`t`", DefinitionRewriter.RewriteQualifier(sql, "app_main", "child"));
    }

    [Fact]
    public void Identifiers_with_hostile_characters_are_scanned_whole()
    {
        var sql = "select `a``.b` from `app_main`.`we``ird'; t`";

        Assert.Equal("select `a``.b` from `c`.`we``ird'; t`", DefinitionRewriter.RewriteQualifier(sql, "app_main", "c"));
    }

    [Theory]
    [InlineData("CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1", "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1")]
    [InlineData("CREATE DEFINER='u'@'%' PROCEDURE `p`() BEGIN END", "CREATE PROCEDURE `p`() BEGIN END")]
    [InlineData("CREATE DEFINER=`a``b`@`127.0.0.1` TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @d = 'DEFINER=`x`@`y`'", "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @d = 'DEFINER=`x`@`y`'")]
    [InlineData("CREATE DEFINER=root@127.0.0.1 EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1", "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1")]
    [InlineData("CREATE DEFINER=CURRENT_USER() FUNCTION f() RETURNS INT RETURN 1", "CREATE FUNCTION f() RETURNS INT RETURN 1")]
    [InlineData("CREATE VIEW v AS SELECT 1", "CREATE VIEW v AS SELECT 1")]
    public void Definer_clauses_are_stripped(string sql, string expected)
    {
        Assert.Equal(expected, DefinitionRewriter.StripDefiner(sql));
    }

    [Theory]
    [InlineData("CREATE EVENT `e` ON SCHEDULE EVERY 1 HOUR STARTS '2026-01-01 00:00:00' ON COMPLETION NOT PRESERVE ENABLE DO INSERT INTO t VALUES ('ENABLE')",
        "CREATE EVENT `e` ON SCHEDULE EVERY 1 HOUR STARTS '2026-01-01 00:00:00' ON COMPLETION NOT PRESERVE DISABLE DO INSERT INTO t VALUES ('ENABLE')")]
    [InlineData("CREATE EVENT `ENABLE` ON SCHEDULE EVERY 1 HOUR ENABLE COMMENT 'ENABLE it' DO BEGIN ALTER EVENT x ENABLE; END",
        "CREATE EVENT `ENABLE` ON SCHEDULE EVERY 1 HOUR DISABLE COMMENT 'ENABLE it' DO BEGIN ALTER EVENT x ENABLE; END")]
    [InlineData("CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DISABLE ON SLAVE DO SELECT 1", "CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DISABLE ON SLAVE DO SELECT 1")]
    public void Events_are_created_disabled(string sql, string expected)
    {
        Assert.Equal(expected, DefinitionRewriter.DisableEvent(sql));
    }
}
