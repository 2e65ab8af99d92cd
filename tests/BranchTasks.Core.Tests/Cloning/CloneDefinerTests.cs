using BranchTasks.Core.Cloning;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Mapping;
using BranchTasks.Core.Providers.Local;
using BranchTasks.Core.Sql;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>
/// A copy runs with the rights its original had: the definer is kept, a stand-in is taken only where the
/// caller named one, and a clone never falls back to the cloning account's own rights.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class CloneDefinerTests(PrivateServerFixture fixture)
{
    [Fact]
    public async Task Cloned_routines_views_triggers_and_events_keep_their_definer_and_run_with_its_rights()
    {
        var parent = PrivateServerFixture.UniqueName("definer");
        var child = parent + "_copy";
        var reporter = await CreateReporterAsync(parent, child);
        await CreateParentAsync(parent, reporter);
        var project = PrivateServerFixture.UniqueName("proj");

        await LocalBranchProvider.Create(fixture.Endpoint, project, TestOwners.Default)
            .CreateAsync(new BranchTarget("copy", "copy", child), new BranchTarget("main", "main", parent), copyData: true, CancellationToken.None);

        await using var connection = await fixture.OpenAdminAsync();
        var admin = (await DatabaseSnapshot.ColumnAsync(connection, "SELECT CURRENT_USER()")).Single();
        var expected = Unquoted(reporter);
        Assert.NotEqual(expected, admin);
        Assert.Equal([expected], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT `{parent}`.whoami()"));
        Assert.Equal([expected], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT `{child}`.whoami()"));
        Assert.Equal([expected], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT who FROM `{child}`.who_view"));
        Assert.Equal([admin], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT who FROM `{child}`.who_invoker"));
        await Execute(connection, $"INSERT INTO `{child}`.log (note) VALUES ('in the branch')");
        Assert.Equal([expected], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT who FROM `{child}`.log WHERE note = 'in the branch'"));
        Assert.Empty(await DatabaseSnapshot.ColumnAsync(connection, $"SELECT who FROM `{parent}`.log"));

        // Every object has its parent's definer and SQL SECURITY, whoever cloned it.
        foreach (var query in DefinerQueries)
        {
            var original = await DatabaseSnapshot.ColumnAsync(connection, string.Format(query, parent));
            Assert.NotEmpty(original);
            Assert.All(original, row => Assert.Contains(expected, row));
            Assert.Equal(original, await DatabaseSnapshot.ColumnAsync(connection, string.Format(query, child)));
        }
    }

    [Fact]
    public async Task A_cloning_account_without_set_user_gives_the_copies_the_stand_in_definer_it_was_given()
    {
        var parent = PrivateServerFixture.UniqueName("definer");
        var child = parent + "_copy";
        var reporter = await CreateReporterAsync(parent, child);
        await CreateParentAsync(parent, reporter);
        var (cloner, password) = await CreateClonerAsync(parent, child);
        await fixture.ExecuteAsync($"CREATE DATABASE `{child}`");

        await using (var connection = await MySqlConnections.OpenAsync(ClonerConnectionString(cloner, password), CancellationToken.None))
        {
            await new DatabaseCloner(connection, fallbackDefiner: cloner).CloneAsync(parent, child, copyData: true, CancellationToken.None);
        }

        await using var admin = await fixture.OpenAdminAsync();
        var standIn = Unquoted(cloner);
        Assert.Equal([standIn], await DatabaseSnapshot.ColumnAsync(admin, $"SELECT `{child}`.whoami()"));
        Assert.Equal([standIn], await DatabaseSnapshot.ColumnAsync(admin, $"SELECT who FROM `{child}`.who_view"));
        await Execute(admin, $"INSERT INTO `{child}`.log (note) VALUES ('in the branch')");
        Assert.Equal([standIn], await DatabaseSnapshot.ColumnAsync(admin, $"SELECT who FROM `{child}`.log WHERE note = 'in the branch'"));
        foreach (var query in DefinerQueries)
        {
            var copies = await DatabaseSnapshot.ColumnAsync(admin, string.Format(query, child));
            Assert.NotEmpty(copies);
            Assert.All(copies, row => Assert.Contains(standIn, row));
        }

        Assert.All(await DatabaseSnapshot.ColumnAsync(admin, string.Format(DefinerQueries[0], parent)), row => Assert.Contains(Unquoted(reporter), row));
    }

    [Fact]
    public async Task A_cloning_account_without_set_user_fails_with_BT0309_through_the_provider_and_leaves_nothing()
    {
        var parent = PrivateServerFixture.UniqueName("definer");
        var child = parent + "_copy";
        var reporter = await CreateReporterAsync(parent, child);
        await CreateParentAsync(parent, reporter);
        var (cloner, password) = await CreateClonerAsync(parent, child);
        // Enough to make and grant the project's app account (the provider's stand-in), not to name another definer.
        await fixture.ExecuteAsync($"GRANT ALL PRIVILEGES ON `_branchtasks`.* TO {cloner}; GRANT CREATE USER ON *.* TO {cloner}; GRANT ALL PRIVILEGES ON `{child}`.* TO {cloner} WITH GRANT OPTION");
        var provider = LocalBranchProvider.Create(fixture.Endpoint with { AdminUser = Unquoted(cloner).Split('@')[0], AdminPassword = password }, PrivateServerFixture.UniqueName("proj"), TestOwners.Default);

        var error = await Assert.ThrowsAsync<BranchTasksException>(() =>
            provider.CreateAsync(new BranchTarget("copy", "copy", child), new BranchTarget("main", "main", parent), copyData: true, CancellationToken.None));

        Assert.Equal(ErrorCodes.CloneDefinerNotKept, error.Code);
        Assert.Contains("function `whoami`", error.Message);
        Assert.Contains(reporter, error.Message);
        Assert.Contains(cloner, error.Message);
        Assert.Contains("SET USER", error.Message);
        Assert.Contains("Nothing was left behind", error.Message);
        Assert.DoesNotContain("..", error.Message);
        Assert.Equal(0L, Convert.ToInt64(await fixture.ScalarAsync($"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{child}'")));
    }

    [Fact]
    public async Task A_stand_in_the_cloning_account_may_not_set_either_fails_with_BT0309_naming_both()
    {
        var parent = PrivateServerFixture.UniqueName("definer");
        var child = parent + "_copy";
        var reporter = await CreateReporterAsync(parent, child);
        await CreateParentAsync(parent, reporter);
        var (cloner, password) = await CreateClonerAsync(parent, child);
        var app = $"'{PrivateServerFixture.UniqueName("app")}'@'localhost'";
        await fixture.ExecuteAsync($"CREATE USER {app}; GRANT ALL PRIVILEGES ON `{child}`.* TO {app}; CREATE DATABASE `{child}`");

        await using var connection = await MySqlConnections.OpenAsync(ClonerConnectionString(cloner, password), CancellationToken.None);
        var error = await Assert.ThrowsAsync<BranchTasksException>(() =>
            new DatabaseCloner(connection, fallbackDefiner: app).CloneAsync(parent, child, copyData: true, CancellationToken.None));

        Assert.Equal(ErrorCodes.CloneDefinerNotKept, error.Code);
        Assert.Contains(reporter, error.Message);
        Assert.Contains($"stand-in definer {app} was refused too", error.Message);
        Assert.Empty(await DatabaseSnapshot.ColumnAsync(connection, $"SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{child}'"));
    }

    [Fact]
    public void A_stand_in_definer_that_is_not_one_quoted_account_is_refused()
    {
        using var connection = new MySqlConnection();

        Assert.Throws<ArgumentException>(() => new DatabaseCloner(connection, fallbackDefiner: "'app'@'localhost' SQL SECURITY INVOKER"));
        Assert.Throws<ArgumentException>(() => new DatabaseCloner(connection, fallbackDefiner: "app"));
        _ = new DatabaseCloner(connection, fallbackDefiner: "'app'@'localhost'");
        _ = new DatabaseCloner(connection);
    }

    // One row per object: its name, definer and SQL SECURITY (triggers always run as their definer).
    private static readonly string[] DefinerQueries =
    [
        "SELECT CONCAT(ROUTINE_NAME, ' ', DEFINER, ' ', SECURITY_TYPE) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{0}' ORDER BY 1",
        "SELECT CONCAT(TABLE_NAME, ' ', DEFINER, ' ', SECURITY_TYPE) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{0}' ORDER BY 1",
        "SELECT CONCAT(TRIGGER_NAME, ' ', DEFINER) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{0}' ORDER BY 1",
        "SELECT CONCAT(EVENT_NAME, ' ', DEFINER) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '{0}' ORDER BY 1",
    ];

    /// <summary>A limited account, with rights on the parent and the branch only, as a quoted <c>'user'@'localhost'</c>.</summary>
    private async Task<string> CreateReporterAsync(string parent, string child)
    {
        var reporter = $"'{PrivateServerFixture.UniqueName("reporter")}'@'localhost'";
        await fixture.ExecuteAsync(
            $"CREATE USER {reporter}; " +
            $"GRANT SELECT, INSERT, UPDATE, TRIGGER, EXECUTE ON `{parent}`.* TO {reporter}; " +
            $"GRANT SELECT, INSERT, UPDATE, TRIGGER, EXECUTE ON `{child}`.* TO {reporter}");
        return reporter;
    }

    /// <summary>An admin that may clone between the two databases but not set another definer (no SUPER, no SET USER).</summary>
    private async Task<(string Account, string Password)> CreateClonerAsync(string parent, string child)
    {
        var account = $"'{PrivateServerFixture.UniqueName("cloner")}'@'%'";
        var password = Guid.NewGuid().ToString("N");
        await fixture.ExecuteAsync(
            $"CREATE USER {account} IDENTIFIED BY '{password}'; " +
            $"GRANT ALL PRIVILEGES ON `{parent}`.* TO {account}; " +
            $"GRANT ALL PRIVILEGES ON `{child}`.* TO {account}; " +
            // SHOW CREATE of another account's routine shows its body only to readers of mysql.proc.
            $"GRANT SELECT ON mysql.proc TO {account}");
        var grants = await fixture.ScalarAsync($"SELECT GROUP_CONCAT(PRIVILEGE_TYPE) FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = \"{account}\"");
        Assert.Equal("USAGE", grants);
        return (account, password);
    }

    private string ClonerConnectionString(string cloner, string password)
    {
        var builder = fixture.Endpoint.CreateAdminConnectionString();
        builder.UserID = Unquoted(cloner).Split('@')[0];
        builder.Password = password;
        builder.Pooling = false;
        return builder.ConnectionString;
    }

    private async Task CreateParentAsync(string parent, string reporter)
    {
        await using var connection = await fixture.OpenAdminAsync();
        await Execute(connection, $"CREATE DATABASE `{parent}`");
        await connection.ChangeDatabaseAsync(parent);
        await Execute(connection, $"""
            CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(100), who VARCHAR(200));
            CREATE DEFINER={reporter} FUNCTION whoami() RETURNS VARCHAR(200) SQL SECURITY DEFINER RETURN CURRENT_USER();
            CREATE DEFINER={reporter} SQL SECURITY DEFINER VIEW who_view AS SELECT CURRENT_USER() AS who;
            CREATE DEFINER={reporter} SQL SECURITY INVOKER VIEW who_invoker AS SELECT CURRENT_USER() AS who;
            CREATE DEFINER={reporter} TRIGGER log_who BEFORE INSERT ON log FOR EACH ROW SET NEW.who = CURRENT_USER();
            CREATE DEFINER={reporter} EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO INSERT INTO log (note) VALUES ('nightly');
            """);
    }

    private static string Unquoted(string account) => account.Replace("'", string.Empty, StringComparison.Ordinal);

    private static async Task Execute(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
