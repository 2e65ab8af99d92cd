using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>Objects made under a sql_mode that changes how their text reads still point at the branch once copied.</summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class CloneSqlModeTests(PrivateServerFixture fixture)
{
    [Fact]
    public async Task Routines_views_and_triggers_made_under_ANSI_QUOTES_or_NO_BACKSLASH_ESCAPES_are_repointed_at_the_branch()
    {
        var parent = PrivateServerFixture.UniqueName("ansi");
        var child = parent + "_copy";
        await using var connection = await fixture.OpenAdminAsync();
        await Execute(connection, $"CREATE DATABASE `{parent}`");
        await connection.ChangeDatabaseAsync(parent);
        await Execute(connection, "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(100)); CREATE TABLE copies (note VARCHAR(100)); CREATE TABLE audit (note VARCHAR(100)); INSERT INTO t (note) VALUES ('from the parent')");
        await Execute(connection, $"""
            SET SESSION sql_mode = 'ANSI_QUOTES';
            CREATE PROCEDURE add_row(IN new_note VARCHAR(100)) BEGIN INSERT INTO "{parent}"."t" ("note") VALUES (new_note); END;
            CREATE VIEW notes AS SELECT "t"."note" FROM "{parent}"."t";
            CREATE TRIGGER audit_rows AFTER INSERT ON "t" FOR EACH ROW INSERT INTO "{parent}"."audit" ("note") VALUES (NEW."note");
            SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES';
            CREATE PROCEDURE copy_rows() BEGIN INSERT INTO "{parent}"."copies" (note) SELECT CONCAT('dir\', "note") FROM "{parent}"."t"; END;
            SET SESSION sql_mode = DEFAULT;
            """);

        await LocalBranchProvider.Create(fixture.Endpoint, PrivateServerFixture.UniqueName("proj"), TestOwners.Default)
            .CreateAsync(new BranchTarget("copy", "copy", child), new BranchTarget("main", "main", parent), copyData: true, CancellationToken.None);

        await Execute(connection, $"CALL `{child}`.add_row('from the branch')");
        Assert.Equal(["from the parent", "from the branch"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{child}`.t ORDER BY id"));
        Assert.Equal(["from the parent"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{parent}`.t ORDER BY id"));
        Assert.Equal(["from the parent", "from the branch"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{child}`.notes"));
        Assert.Equal(["from the branch"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{child}`.audit"));
        Assert.Empty(await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{parent}`.audit"));

        await Execute(connection, $"CALL `{child}`.copy_rows()");
        Assert.Equal([@"dir\from the parent", @"dir\from the branch"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{child}`.copies ORDER BY note DESC"));
        Assert.Empty(await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{parent}`.copies"));

        foreach (var copy in new[] { "add_row", "copy_rows" })
        {
            var text = (await DatabaseSnapshot.ColumnAsync(connection, $"SELECT ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{child}' AND ROUTINE_NAME = '{copy}'")).Single();
            Assert.DoesNotContain(parent + "\"", text);
        }

        var modes = "SELECT CONCAT(ROUTINE_NAME, ':', SQL_MODE) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{0}' ORDER BY ROUTINE_NAME";
        Assert.Equal(["add_row:ANSI_QUOTES", "copy_rows:ANSI_QUOTES,NO_BACKSLASH_ESCAPES"], await DatabaseSnapshot.ColumnAsync(connection, string.Format(modes, child)));
    }

    private static async Task Execute(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
