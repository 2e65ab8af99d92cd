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
    [InlineData("CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1", "`root`@`localhost`", "'root'@'localhost'")]
    [InlineData("CREATE DEFINER='u'@'%' PROCEDURE `p`() BEGIN END", "'u'@'%'", "'u'@'%'")]
    [InlineData("CREATE DEFINER=`a``b`@`127.0.0.1` TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @d = 'DEFINER=`x`@`y`'", "`a``b`@`127.0.0.1`", "'a`b'@'127.0.0.1'")]
    [InlineData("CREATE DEFINER=root@127.0.0.1 EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1", "root@127.0.0.1", "'root'@'127.0.0.1'")]
    [InlineData("CREATE DEFINER=CURRENT_USER() FUNCTION f() RETURNS INT RETURN 1", "CURRENT_USER()", "CURRENT_USER")]
    [InlineData("CREATE OR REPLACE ALGORITHM = MERGE DEFINER = `r` SQL SECURITY INVOKER VIEW v AS SELECT 1", "`r`", "'r'")]
    public void The_definer_clause_is_found(string sql, string clause, string account)
    {
        var definer = DefinitionRewriter.FindDefiner(sql);

        Assert.NotNull(definer);
        Assert.Equal(clause, sql.Substring(definer.Start, definer.Length));
        Assert.Equal(account, definer.Account);
    }

    [Fact]
    public void Under_ANSI_QUOTES_a_double_quoted_definer_is_an_account()
    {
        const string sql = "CREATE DEFINER=\"rep\"\"orter\"@\"localhost\" PROCEDURE \"p\"() INSERT INTO \"app_main\".\"t\" VALUES ('DEFINER=x')";

        var definer = DefinitionRewriter.FindDefiner(sql, new SqlDialect(AnsiQuotes: true, NoBackslashEscapes: false));

        Assert.NotNull(definer);
        Assert.Equal("'rep\"orter'@'localhost'", definer.Account);
        Assert.Equal(
            "CREATE DEFINER='app'@'localhost' PROCEDURE \"p\"() INSERT INTO \"app_main\".\"t\" VALUES ('DEFINER=x')",
            DefinitionRewriter.ReplaceDefiner(sql, definer, "'app'@'localhost'"));
    }

    [Theory]
    [InlineData("CREATE VIEW v AS SELECT 1")]
    [InlineData("CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1")]
    [InlineData("CREATE PROCEDURE p() SET @d = 'x', @e = 1 /* DEFINER=`x`@`y` */")]
    [InlineData("CREATE PROCEDURE p() BEGIN CREATE DEFINER=`x`@`y` VIEW v AS SELECT 1; END")]
    [InlineData("SELECT 'CREATE DEFINER=`x`@`y` VIEW v'")]
    public void Only_a_definer_clause_in_the_statement_head_counts(string sql)
    {
        Assert.Null(DefinitionRewriter.FindDefiner(sql));
    }

    [Fact]
    public void Replacing_the_definer_keeps_the_sql_security_clause_and_everything_else()
    {
        const string sql = "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 'DEFINER=`root`@`localhost`' AS `d`";

        var rewritten = DefinitionRewriter.ReplaceDefiner(sql, DefinitionRewriter.FindDefiner(sql)!, "'app'@'%'");

        Assert.Equal("CREATE ALGORITHM=UNDEFINED DEFINER='app'@'%' SQL SECURITY DEFINER VIEW `v` AS select 'DEFINER=`root`@`localhost`' AS `d`", rewritten);
    }

    [Theory]
    [InlineData("'app'@'localhost'", true)]
    [InlineData("`app`@`%`", true)]
    [InlineData("'app'@'localhost' SQL SECURITY INVOKER", false)]
    [InlineData("'app'@'localhost'; DROP DATABASE x", false)]
    [InlineData("app", false)]
    [InlineData("CURRENT_USER", false)]
    [InlineData("", false)]
    public void A_stand_in_definer_must_be_one_quoted_account(string account, bool valid)
    {
        Assert.Equal(valid, DefinitionRewriter.IsAccount(account));
    }

    [Fact]
    public void Under_ANSI_QUOTES_a_double_quoted_qualifier_is_rewritten_and_strings_are_not()
    {
        const string sql = "BEGIN INSERT INTO \"app_main\".\"t\" (\"note\") SELECT 'app_main.t' FROM \"app_main\" . t, \"x\".\"app_main\".c; END";
        var ansi = new SqlDialect(AnsiQuotes: true, NoBackslashEscapes: false);

        Assert.Equal(
            "BEGIN INSERT INTO `child`.\"t\" (\"note\") SELECT 'app_main.t' FROM `child` . t, \"x\".\"app_main\".c; END",
            DefinitionRewriter.RewriteQualifier(sql, "app_main", "child", ansi));
        Assert.Equal(sql, DefinitionRewriter.RewriteQualifier(sql, "app_main", "child"));
    }

    [Fact]
    public void Under_NO_BACKSLASH_ESCAPES_a_trailing_backslash_does_not_hide_the_qualifier_after_it()
    {
        const string sql = "INSERT INTO c SELECT CONCAT('dir\\', note) FROM app_main.t";

        Assert.Equal(
            "INSERT INTO c SELECT CONCAT('dir\\', note) FROM `child`.t",
            DefinitionRewriter.RewriteQualifier(sql, "app_main", "child", new SqlDialect(AnsiQuotes: false, NoBackslashEscapes: true)));
        Assert.Equal(sql, DefinitionRewriter.RewriteQualifier(sql, "app_main", "child"));
    }

    [Fact]
    public void An_event_is_disabled_in_its_own_dialect()
    {
        // Under NO_BACKSLASH_ESCAPES the backslash ends nothing, so the string closes before ENABLE.
        const string sql = "CREATE EVENT \"e\" ON SCHEDULE EVERY 1 HOUR STARTS 'C:\\' ENABLE DO INSERT INTO \"t\" VALUES ('ENABLE')";

        const string expected = "CREATE EVENT \"e\" ON SCHEDULE EVERY 1 HOUR STARTS 'C:\\' DISABLE DO INSERT INTO \"t\" VALUES ('ENABLE')";

        Assert.Equal(expected, DefinitionRewriter.DisableEvent(sql, new SqlDialect(AnsiQuotes: true, NoBackslashEscapes: true)));
        Assert.NotEqual(expected, DefinitionRewriter.DisableEvent(sql));
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
