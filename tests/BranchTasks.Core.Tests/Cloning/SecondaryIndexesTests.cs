using BranchTasks.Core.Cloning;

namespace BranchTasks.Core.Tests.Cloning;

public sealed class SecondaryIndexesTests
{
    private const string Create = """
        CREATE TABLE `t` (
          `id` int(11) NOT NULL,
          `k` int(11) NOT NULL DEFAULT 0,
          `KEY ``x` varchar(20) DEFAULT NULL COMMENT '  KEY `fake` (`k`)',
          PRIMARY KEY (`id`),
          UNIQUE KEY `u` (`k`,`id`),
          KEY `k_1` (`k`),
          KEY `odd``name` (`KEY ``x`(10),`k` DESC) COMMENT 'line\nbreak',
          FULLTEXT KEY `f` (`KEY ``x`)
        ) ENGINE=InnoDB DEFAULT CHARSET=latin1
        """;

    [Fact]
    public void Plain_keys_are_read_with_their_whole_clause_and_nothing_else()
    {
        var keys = SecondaryIndexes.Read(Create);

        Assert.Equal(
            [new SecondaryIndex("k_1", "KEY `k_1` (`k`)"), new SecondaryIndex("odd`name", "KEY `odd``name` (`KEY ``x`(10),`k` DESC) COMMENT 'line\\nbreak'")],
            keys);
    }

    [Fact]
    public void One_statement_drops_them_and_one_adds_them_back_in_order()
    {
        var keys = SecondaryIndexes.Read(Create);

        Assert.Equal("ALTER TABLE `db`.`t` DROP KEY `k_1`, DROP KEY `odd``name`", SecondaryIndexes.DropStatement("db", "t", keys));
        Assert.Equal("ALTER TABLE `db`.`t` ADD KEY `k_1` (`k`), ADD KEY `odd``name` (`KEY ``x`(10),`k` DESC) COMMENT 'line\\nbreak'", SecondaryIndexes.AddStatement("db", "t", keys));
    }

    [Fact]
    public void A_key_line_not_in_the_expected_shape_defers_no_key_of_that_table()
    {
        Assert.Empty(SecondaryIndexes.Read("CREATE TABLE `t` (\n  `id` int,\n  KEY `k_1` (`id`),\n  KEY `broken\nname` (`id`)\n) ENGINE=InnoDB"));
    }
}
