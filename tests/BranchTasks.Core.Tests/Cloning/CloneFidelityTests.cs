using BranchTasks.Core.Cloning;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Providers.Server;
using BranchTasks.Core.Sql;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>
/// The acceptance test of cloning: a branch is the parent's twin, except that it is its own. Here on the
/// private server as shipped, where these small InnoDB tables are copied by SQL while the export lock holds them;
/// the subclasses run the same tests with every InnoDB table travelling as a file, with every table copied by
/// SQL, and with tables of other engines next to the InnoDB ones.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public class CloneFidelityTests(PrivateServerFixture fixture)
{
    private const string HostileTable = "we`ird'; tab\"le";
    private const string HostileColumn = "first name`;--";

    [Fact]
    public async Task A_clone_with_data_is_faithful_and_independent()
    {
        var parent = await CreateRichParentAsync();
        var (provider, child) = NewBranch("feature-a");

        var info = await provider.CreateAsync(child, parent, copyData: true, CancellationToken.None);

        CheckReport(provider.LastClone!);
        Assert.Equal(child.Database, info.Database);
        Assert.Equal("main", info.Parent);
        await using var connection = await fixture.OpenAdminAsync();

        // Schema defaults.
        Assert.Equal(
            await DatabaseSnapshot.ColumnAsync(connection, $"SELECT CONCAT(DEFAULT_CHARACTER_SET_NAME, '/', DEFAULT_COLLATION_NAME) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{parent.Database}'"),
            await DatabaseSnapshot.ColumnAsync(connection, $"SELECT CONCAT(DEFAULT_CHARACTER_SET_NAME, '/', DEFAULT_COLLATION_NAME) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{child.Database}'"));

        // Tables: same definitions (FKs, generated and invisible columns, charsets, AUTO_INCREMENT) and same rows.
        var tables = await DatabaseSnapshot.TablesAsync(connection, parent.Database);
        Assert.Equal(tables, await DatabaseSnapshot.TablesAsync(connection, child.Database));
        Assert.Contains(HostileTable, tables);
        foreach (var table in tables)
        {
            Assert.Equal(
                await DatabaseSnapshot.ShowCreateTableAsync(connection, parent.Database, table),
                await DatabaseSnapshot.ShowCreateTableAsync(connection, child.Database, table));
            var parentRows = await DatabaseSnapshot.RowsAsync(connection, parent.Database, table);
            Assert.NotEmpty(parentRows);
            Assert.Equal(parentRows, await DatabaseSnapshot.RowsAsync(connection, child.Database, table));
        }

        var counters = await DatabaseSnapshot.AutoIncrementsAsync(connection, parent.Database);
        Assert.Equal(6UL, counters["authors"]);
        Assert.Equal(counters, await DatabaseSnapshot.AutoIncrementsAsync(connection, child.Database));
        Assert.Contains("hidden-3", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT secret FROM `{child.Database}`.authors"));
        Assert.Contains("0", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT id FROM `{child.Database}`.audit"));

        // Views read the child's tables, also through a view on a view.
        await Execute(connection, $"INSERT INTO `{child.Database}`.authors (name) VALUES ('Zed')");
        Assert.Contains("Zed", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT name FROM `{child.Database}`.author_names"));
        Assert.Contains("ZED", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT shout FROM `{child.Database}`.author_shouts"));
        Assert.DoesNotContain("Zed", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT name FROM `{parent.Database}`.author_names"));
        Assert.DoesNotContain("ZED", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT shout FROM `{parent.Database}`.author_shouts"));
        Assert.Contains("Zed", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT name FROM `{child.Database}`.qualified_names"));
        var childView = (await DatabaseSnapshot.ColumnAsync(connection, $"SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{child.Database}' AND TABLE_NAME = 'author_shouts'")).Single();
        Assert.DoesNotContain(parent.Database, childView);
        Assert.Equal(6UL + 1, (await DatabaseSnapshot.AutoIncrementsAsync(connection, child.Database))["authors"]);

        // The trigger fires in the child, on the child's tables; copying the rows fired none.
        var auditBefore = await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{child.Database}`.audit");
        await Execute(connection, $"INSERT INTO `{child.Database}`.books (author_id, title, price) VALUES (1, 'Child book', 1.50)");
        var auditAfter = await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{child.Database}`.audit");
        Assert.Equal(auditBefore.Count + 1, auditAfter.Count);
        Assert.Contains("book Child book", auditAfter);
        Assert.DoesNotContain("book Child book", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT note FROM `{parent.Database}`.audit"));

        // Routines work on the child's data.
        await Execute(connection, $"CALL `{child.Database}`.add_author('Pia')");
        Assert.Contains("Pia", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT name FROM `{child.Database}`.authors"));
        Assert.DoesNotContain("Pia", await DatabaseSnapshot.ColumnAsync(connection, $"SELECT name FROM `{parent.Database}`.authors"));
        Assert.Equal(["3"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT `{child.Database}`.book_count(1)"));
        Assert.Equal(["2"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT `{parent.Database}`.book_count(1)"));
        Assert.Equal(["3"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT books FROM `{child.Database}`.author_books WHERE id = 1"));
        var routineModes = $"SELECT CONCAT(ROUTINE_NAME, ':', SQL_MODE) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{{0}}' ORDER BY ROUTINE_NAME";
        Assert.Equal(
            await DatabaseSnapshot.ColumnAsync(connection, string.Format(routineModes, parent.Database)),
            await DatabaseSnapshot.ColumnAsync(connection, string.Format(routineModes, child.Database)));

        // The event exists and can never fire in the copy.
        Assert.Equal(["tick:ENABLED"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT CONCAT(EVENT_NAME, ':', STATUS) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '{parent.Database}'"));
        Assert.Equal(["tick:DISABLED"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT CONCAT(EVENT_NAME, ':', STATUS) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '{child.Database}'"));

        // A sequence continues where the parent's would.
        Assert.Equal(["110"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT NEXTVAL(`{child.Database}`.ticket_numbers)"));
        Assert.Equal(["110"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT NEXTVAL(`{parent.Database}`.ticket_numbers)"));

        // Hostile names survive, and every copy keeps its original's definer.
        Assert.Equal(
            await DatabaseSnapshot.ColumnAsync(connection, $"SELECT {SqlIdentifier.Quote(HostileColumn)} FROM {SqlIdentifier.Quote(parent.Database, HostileTable)} ORDER BY 1"),
            await DatabaseSnapshot.ColumnAsync(connection, $"SELECT {SqlIdentifier.Quote(HostileColumn)} FROM {SqlIdentifier.Quote(child.Database, "hostile view`")} ORDER BY 1"));
        foreach (var definers in new[]
                 {
                     "SELECT CONCAT(ROUTINE_NAME, ' ', DEFINER) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{0}' ORDER BY 1",
                     "SELECT CONCAT(TABLE_NAME, ' ', DEFINER) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{0}' ORDER BY 1",
                     "SELECT CONCAT(TRIGGER_NAME, ' ', DEFINER) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{0}' ORDER BY 1",
                     "SELECT CONCAT(EVENT_NAME, ' ', DEFINER) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '{0}' ORDER BY 1",
                 })
        {
            var original = await DatabaseSnapshot.ColumnAsync(connection, string.Format(definers, parent.Database));
            Assert.NotEmpty(original);
            Assert.Equal(original, await DatabaseSnapshot.ColumnAsync(connection, string.Format(definers, child.Database)));
        }
    }

    [Fact]
    public async Task A_clone_without_data_has_the_schema_only()
    {
        var parent = await CreateRichParentAsync();
        var (provider, child) = NewBranch("schema-only");

        await provider.CreateAsync(child, parent, copyData: false, CancellationToken.None);

        await using var connection = await fixture.OpenAdminAsync();
        var tables = await DatabaseSnapshot.TablesAsync(connection, parent.Database);
        Assert.Equal(tables, await DatabaseSnapshot.TablesAsync(connection, child.Database));
        foreach (var table in tables)
        {
            Assert.Equal(
                await DatabaseSnapshot.ShowCreateTableAsync(connection, parent.Database, table),
                await DatabaseSnapshot.ShowCreateTableAsync(connection, child.Database, table));
            Assert.Empty(await DatabaseSnapshot.RowsAsync(connection, child.Database, table));
        }

        Assert.Empty(await DatabaseSnapshot.ColumnAsync(connection, $"SELECT shout FROM `{child.Database}`.author_shouts"));
        Assert.Equal(["tick:DISABLED"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT CONCAT(EVENT_NAME, ':', STATUS) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '{child.Database}'"));
    }

    [Fact]
    public async Task A_clone_that_fails_midway_leaves_neither_database_nor_record()
    {
        var parentDatabase = PrivateServerFixture.UniqueName("broken");
        await fixture.ExecuteAsync(
            $"CREATE DATABASE `{parentDatabase}`; USE `{parentDatabase}`; " +
            "CREATE TABLE kept (id INT PRIMARY KEY); INSERT INTO kept VALUES (1), (2); " +
            "CREATE TABLE doomed (id INT PRIMARY KEY); CREATE VIEW dangling AS SELECT id FROM doomed; DROP TABLE doomed;");
        var (provider, child) = NewBranch("doomed-branch");

        var error = await Assert.ThrowsAsync<BranchTasksException>(() =>
            provider.CreateAsync(child, new BranchTarget("main", "main", parentDatabase), copyData: true, CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchCreateFailed, error.Code);
        Assert.Contains("doomed-branch", error.Message);
        Assert.Contains("dangling", error.Message);
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{child.Database}'")));
        Assert.Null(await new BranchMetadataStore(ct => fixture.Endpoint.OpenAdminConnectionAsync(ct)).FindByDatabaseAsync(child.Database, CancellationToken.None));
        Assert.Null(await provider.FindAsync(child.Branch, CancellationToken.None));
    }

    [Fact]
    public async Task Cloning_a_parent_that_does_not_exist_fails_cleanly()
    {
        var (provider, child) = NewBranch("orphan");

        var error = await Assert.ThrowsAsync<BranchTasksException>(() =>
            provider.CreateAsync(child, new BranchTarget("main", "main", PrivateServerFixture.UniqueName("missing")), copyData: true, CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchCreateFailed, error.Code);
        Assert.Contains("does not exist", error.Message);
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{child.Database}'")));
    }

    private (ServerBranchProvider Provider, BranchTarget Child) NewBranch(string branch)
    {
        var project = PrivateServerFixture.UniqueName("proj");
        var provider = LocalBranchProvider.Create(Server, project, TestOwners.Default);
        Adjust(provider);
        return (provider, new BranchTarget(branch, branch, project + "_" + branch.Replace('-', '_')));
    }

    protected PrivateServerFixture Fixture => fixture;

    /// <summary>The server as the provider sees it.</summary>
    protected virtual LocalServerEndpoint Server => fixture.Endpoint;

    /// <summary>Changes how the provider clones, before it does.</summary>
    protected virtual void Adjust(ServerBranchProvider provider)
    {
    }

    /// <summary>Checks how the clone with data copied its rows.</summary>
    protected virtual void CheckReport(CloneReport report)
    {
        Assert.Contains("authors", report.UnderExportLock);
        Assert.Contains("books", report.UnderExportLock);
        Assert.Empty(report.AsFiles);
    }

    /// <summary>Adds to the rich parent (after its tables, rows and triggers, before its views and routines).</summary>
    protected virtual Task ExtendParentAsync(MySqlConnection connection) => Task.CompletedTask;

    private async Task<BranchTarget> CreateRichParentAsync()
    {
        var database = PrivateServerFixture.UniqueName("parent");
        var db = SqlIdentifier.Quote(database);
        await using var connection = await fixture.OpenAdminAsync();
        await Execute(connection, $"CREATE DATABASE {db} CHARACTER SET latin1 COLLATE latin1_german2_ci");
        await connection.ChangeDatabaseAsync(database);
        await Execute(connection, """
            CREATE TABLE authors (
              id INT AUTO_INCREMENT PRIMARY KEY,
              name VARCHAR(100) NOT NULL,
              secret VARCHAR(50) INVISIBLE DEFAULT 'hidden',
              name_upper VARCHAR(100) AS (UPPER(name)) STORED,
              name_length INT AS (CHAR_LENGTH(name)) VIRTUAL,
              KEY by_upper (name_upper)
            ) ENGINE=InnoDB COMMENT 'people who write';
            CREATE TABLE books (
              id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
              author_id INT NOT NULL,
              title VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
              price DECIMAL(10,2),
              CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE
            ) ENGINE=InnoDB;
            CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(200)) ENGINE=InnoDB;
            """);
        await Execute(connection, $"""
            CREATE TABLE {SqlIdentifier.Quote(HostileTable)} (id INT PRIMARY KEY, {SqlIdentifier.Quote(HostileColumn)} VARCHAR(40));
            INSERT INTO {SqlIdentifier.Quote(HostileTable)} VALUES (1, 'semi;colon'), (2, 'back`tick'), (3, 'it''s');
            CREATE VIEW {SqlIdentifier.Quote("hostile view`")} AS SELECT {SqlIdentifier.Quote(HostileColumn)} FROM {SqlIdentifier.Quote(HostileTable)};
            """);
        await Execute(connection, """
            CREATE TRIGGER books_audit AFTER INSERT ON books FOR EACH ROW INSERT INTO audit (note) VALUES (CONCAT('book ', NEW.title));
            INSERT INTO authors (name, secret) VALUES ('Ann', 'hidden-1'), ('Bob', 'hidden-2'), ('Célia', 'hidden-3'), ('Dan', 'hidden-4'), ('Eve', 'hidden-5');
            DELETE FROM authors WHERE id >= 4;
            INSERT INTO books (author_id, title, price) VALUES (1, 'Über alles', 9.99), (1, 'Second', 5.00), (2, 'Bob''s', NULL);
            SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO');
            INSERT INTO audit (id, note) VALUES (0, 'row zero');
            """);
        await ExtendParentAsync(connection);
        await Execute(connection, $"""
            CREATE VIEW author_names AS SELECT id, name FROM authors;
            CREATE VIEW author_shouts AS SELECT id, UPPER(name) AS shout FROM author_names;
            CREATE VIEW qualified_names AS SELECT a.name FROM {db}.authors a WHERE a.name <> '{database}.authors';
            CREATE PROCEDURE add_author(IN new_name VARCHAR(100)) BEGIN SET @last_author = new_name; INSERT INTO authors (name) VALUES (@last_author); END;
            CREATE FUNCTION book_count(author INT) RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM books WHERE author_id = author);
            CREATE VIEW author_books AS SELECT id, book_count(id) AS books FROM authors;
            CREATE EVENT tick ON SCHEDULE EVERY 1 HOUR ENABLE DO INSERT INTO audit (note) VALUES ('tick');
            CREATE SEQUENCE ticket_numbers START WITH 100 INCREMENT BY 5 NOCACHE;
            SELECT NEXTVAL(ticket_numbers);
            SELECT NEXTVAL(ticket_numbers);
            """);
        return new BranchTarget("main", "main", database);
    }

    protected static async Task Execute(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
