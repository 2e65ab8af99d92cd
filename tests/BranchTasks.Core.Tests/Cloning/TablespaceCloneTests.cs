using System.Diagnostics;
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
/// Cloning on the private server by tablespace files: which tables travel as files, that the copy is of one
/// moment while the parent is being written, that the parent is blocked only while its files are copied, and
/// that a clone failing half-way leaves nothing behind.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class TablespaceCloneTests(PrivateServerFixture fixture)
{
    private string DataDirectory => fixture.Endpoint.DataDirectory ?? throw new InvalidOperationException("The fixture's server has no data directory.");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InnoDB_tables_travel_as_files_and_the_others_by_sql_with_identical_contents(bool smallTablesBySql)
    {
        // Names that the server stores under encoded file names ('-' is @002d, 'é' is @0k).
        var parent = new BranchTarget("main", "main", PrivateServerFixture.UniqueName("tsp") + "-é");
        await fixture.ExecuteAsync($"""
            CREATE DATABASE {SqlIdentifier.Quote(parent.Database)}; USE {SqlIdentifier.Quote(parent.Database)};
            CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(40) NOT NULL, KEY (customer)) ENGINE=InnoDB;
            CREATE TABLE `order-lines é` (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL, qty INT, FOREIGN KEY (order_id) REFERENCES orders (id)) ENGINE=InnoDB;
            CREATE TABLE big (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, c CHAR(60) NOT NULL, KEY k (k)) ENGINE=InnoDB ROW_FORMAT=COMPRESSED;
            CREATE TABLE plain (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=Aria;
            CREATE TABLE parted (id INT PRIMARY KEY, v INT) ENGINE=InnoDB PARTITION BY HASH (id) PARTITIONS 2;
            CREATE TABLE searchable (id INT PRIMARY KEY, body VARCHAR(100), FULLTEXT KEY (body)) ENGINE=InnoDB;
            INSERT INTO orders (customer) SELECT CONCAT('c', seq) FROM seq_1_to_50;
            INSERT INTO `order-lines é` (order_id, qty) SELECT 1 + seq MOD 50, seq FROM seq_1_to_200;
            INSERT INTO big (k, c) SELECT seq * 7 MOD 1000, MD5(seq) FROM seq_1_to_20000;
            DELETE FROM big WHERE id > 19990;
            INSERT INTO plain VALUES (1, 'a'), (2, 'b');
            INSERT INTO parted SELECT seq, seq FROM seq_1_to_10;
            INSERT INTO searchable VALUES (1, 'cats and dogs');
            """);
        var progress = new ProgressLog();
        var (provider, child) = NewBranch("files-" + Guid.NewGuid().ToString("N")[..6], progress);
        if (smallTablesBySql)
        {
            // The two small tables at or under the bound, big above it: they are locked with it and copied by SQL meanwhile.
            var sourceDirectory = Directory.GetDirectories(DataDirectory, parent.Database[..^2] + "@*").Single();
            long Size(string file) => new FileInfo(Path.Combine(sourceDirectory, file)).Length;
            var bound = Directory.GetFiles(sourceDirectory, "order*.ibd").Select(f => Size(Path.GetFileName(f))).Max();
            Assert.True(Size("big.ibd") > bound, $"big.ibd is {Size("big.ibd")} bytes, the small ones up to {bound}");
            provider.Tablespaces = provider.Tablespaces! with { SmallTableBytes = bound };
        }

        await provider.CreateAsync(child, parent, copyData: true, CancellationToken.None);

        var report = provider.LastClone!;
        Assert.Equal(smallTablesBySql ? ["big"] : ["big", "order-lines é", "orders"], report.AsFiles.Order(StringComparer.Ordinal));
        Assert.Equal(smallTablesBySql ? ["order-lines é", "orders"] : [], report.UnderExportLock.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["parted: partitioned", "plain: engine Aria", "searchable: FULLTEXT index"],
            report.BySql.Select(s => $"{s.Table}: {s.Reason}").Order(StringComparer.Ordinal));
        // The developer is told which tables took the slower way, and why.
        var note = Assert.Single(progress.Lines);
        Assert.StartsWith("3 of 6 tables could not travel as files and were copied by SQL after the others: ", note, StringComparison.Ordinal);
        Assert.All(report.BySql, s => Assert.Contains($"{s.Table} ({s.Reason})", note, StringComparison.Ordinal));

        await using var connection = await fixture.OpenAdminAsync();
        foreach (var table in await DatabaseSnapshot.TablesAsync(connection, parent.Database))
        {
            Assert.Equal(await ChecksumAsync(connection, parent.Database, table), await ChecksumAsync(connection, child.Database, table));
            Assert.Equal(
                await DatabaseSnapshot.ShowCreateTableAsync(connection, parent.Database, table),
                await DatabaseSnapshot.ShowCreateTableAsync(connection, child.Database, table));
        }

        Assert.Equal(await DatabaseSnapshot.AutoIncrementsAsync(connection, parent.Database), await DatabaseSnapshot.AutoIncrementsAsync(connection, child.Database));

        // The imported tables are the child's own: written without touching the parent, and their foreign key holds.
        await Bank.Execute(connection, $"INSERT INTO {SqlIdentifier.Quote(child.Database, "order-lines é")} (order_id, qty) VALUES (50, 1)");
        var orphan = await Assert.ThrowsAsync<MySqlException>(() =>
            Bank.Execute(connection, $"INSERT INTO {SqlIdentifier.Quote(child.Database, "order-lines é")} (order_id, qty) VALUES (999, 1)"));
        Assert.Equal(MySqlErrorCode.NoReferencedRow2, orphan.ErrorCode);
        Assert.Equal(["200"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT COUNT(*) FROM {SqlIdentifier.Quote(parent.Database, "order-lines é")}"));

        // No export metadata is left on either side.
        Assert.Empty(Directory.GetFiles(DataDirectory, "*.cfg", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_clone_while_the_parent_is_written_is_of_one_moment_and_the_parent_is_blocked_only_while_its_files_are_copied(bool smallTablesBySql)
    {
        var parent = await CreateBankAsync();
        var (provider, child) = NewBranch("busy", filesOnly: !smallTablesBySql);
        using var stop = new CancellationTokenSource();
        var committed = 0;
        var writer = Task.Run(async () =>
        {
            await using var connection = await fixture.OpenAdminAsync(parent.Database);
            var random = new Random(7);
            while (!stop.IsCancellationRequested)
            {
                var from = random.Next(1, Bank.Accounts + 1);
                try
                {
                    await Bank.TransferAsync(connection, from, from % Bank.Accounts + 1, random.Next(1, 20));
                    Interlocked.Increment(ref committed);
                }
                catch (MySqlException e) when (e.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout)
                {
                    // Against the test's own probes; the transaction was rolled back, and the next one goes on.
                    await Bank.Execute(connection, "ROLLBACK");
                }
            }
        });
        await Bank.WaitForAsync(() => Volatile.Read(ref committed) >= 20, writer);

        MySqlException? blockedWhileLocked = null;
        TimeSpan? writeAfterUnlock = null;
        provider.Tablespaces = provider.Tablespaces! with
        {
            WhileLocked = async () =>
            {
                await using var probe = await fixture.OpenAdminAsync(parent.Database);
                await Bank.Execute(probe, "SET SESSION lock_wait_timeout = 1");
                blockedWhileLocked = await Assert.ThrowsAsync<MySqlException>(() => Bank.TransferAsync(probe, 1, 2, 1));
            },
            AfterUnlock = async () =>
            {
                await using var probe = await fixture.OpenAdminAsync(parent.Database);
                await Bank.Execute(probe, "SET SESSION lock_wait_timeout = 5");
                var clock = Stopwatch.StartNew();
                await Bank.TransferAsync(probe, 2, 1, 1);
                writeAfterUnlock = clock.Elapsed;
            },
        };

        await provider.CreateAsync(child, parent, copyData: true, CancellationToken.None);
        var atClone = Volatile.Read(ref committed);
        await Bank.WaitForAsync(() => Volatile.Read(ref committed) >= atClone + 20, writer);
        await stop.CancelAsync();
        await writer;

        // The bank's tables are small: as shipped they are copied by SQL while the export lock holds them.
        Assert.Equal(["accounts", "ledger", "transfers"], (smallTablesBySql ? provider.LastClone!.UnderExportLock : provider.LastClone!.AsFiles).Order(StringComparer.Ordinal));
        Assert.Empty(provider.LastClone.BySql);
        Assert.Equal(MySqlErrorCode.LockWaitTimeout, blockedWhileLocked?.ErrorCode);
        Assert.NotNull(writeAfterUnlock);
        Assert.True(writeAfterUnlock < TimeSpan.FromSeconds(3), $"a write right after the files were copied took {writeAfterUnlock}");

        // Every transfer in the copy has both ledger rows, and every balance is its opening balance plus its ledger.
        await using var check = await fixture.OpenAdminAsync(child.Database);
        Assert.Equal(["0"], await DatabaseSnapshot.ColumnAsync(check, "SELECT COUNT(*) FROM transfers t WHERE (SELECT COUNT(*) FROM ledger l WHERE l.transfer_id = t.id) <> 2"));
        Assert.Equal(["0"], await DatabaseSnapshot.ColumnAsync(check, "SELECT COUNT(*) FROM ledger l LEFT JOIN transfers t ON t.id = l.transfer_id WHERE t.id IS NULL"));
        Assert.Equal(["0"], await DatabaseSnapshot.ColumnAsync(check,
            $"SELECT COUNT(*) FROM accounts a WHERE a.balance <> {Bank.OpeningBalance} + (SELECT IFNULL(SUM(l.amount), 0) FROM ledger l WHERE l.account_id = a.id)"));
        var copied = long.Parse((await DatabaseSnapshot.ColumnAsync(check, "SELECT COUNT(*) FROM transfers")).Single(), System.Globalization.CultureInfo.InvariantCulture);
        var total = long.Parse((await DatabaseSnapshot.ColumnAsync(check, $"SELECT COUNT(*) FROM {SqlIdentifier.Quote(parent.Database, "transfers")}")).Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(copied, 20, total - 20);
    }

    [Fact]
    public async Task A_clone_that_fails_while_files_are_copied_leaves_no_child_and_the_parent_untouched()
    {
        var parent = await CreateBankAsync();
        var (provider, child) = NewBranch("half");
        await using var connection = await fixture.OpenAdminAsync();
        var before = await ChecksumAsync(connection, parent.Database, "ledger");
        provider.Tablespaces = provider.Tablespaces! with { WhileLocked = () => throw new IOException("No space left on device (test)") };

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => provider.CreateAsync(child, parent, copyData: true, CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchCreateFailed, error.Code);
        Assert.Contains("No space left on device (test)", error.Message);
        Assert.Equal(["0"], await DatabaseSnapshot.ColumnAsync(connection, $"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{child.Database}'"));
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, child.Database)));
        Assert.Null(await new BranchMetadataStore(ct => fixture.Endpoint.OpenAdminConnectionAsync(ct)).FindByDatabaseAsync(child.Database, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.Combine(DataDirectory, parent.Database), "*.cfg"));
        Assert.Equal(before, await ChecksumAsync(connection, parent.Database, "ledger"));

        // The export lock is gone: the parent takes writes at once.
        await using var probe = await fixture.OpenAdminAsync(parent.Database);
        await Bank.Execute(probe, "SET SESSION lock_wait_timeout = 2");
        await Bank.TransferAsync(probe, 1, 2, 5);
    }

    [Fact]
    public async Task A_table_whose_import_fails_is_copied_by_sql_instead()
    {
        var parent = await CreateBankAsync();
        await fixture.ExecuteAsync("""
            INSERT INTO transfers () VALUES (), ();
            INSERT INTO ledger (transfer_id, account_id, amount) VALUES (1, 1, -5), (1, 2, 5), (2, 3, -7), (2, 4, 7);
            UPDATE accounts SET balance = balance + CASE id WHEN 1 THEN -5 WHEN 2 THEN 5 WHEN 3 THEN -7 WHEN 4 THEN 7 ELSE 0 END;
            """, parent.Database);
        var (provider, child) = NewBranch("reimport");

        // Without its .cfg, InnoDB refuses to import a table with secondary indexes (ledger's foreign key indexes).
        provider.Tablespaces = provider.Tablespaces! with
        {
            WhileLocked = () =>
            {
                File.Delete(Path.Combine(DataDirectory, child.Database, "ledger.cfg"));
                return Task.CompletedTask;
            },
        };

        await provider.CreateAsync(child, parent, copyData: true, CancellationToken.None);

        Assert.Equal(["accounts", "transfers"], provider.LastClone!.AsFiles.Order(StringComparer.Ordinal));
        Assert.StartsWith("import failed: ", Assert.Single(provider.LastClone.BySql).Reason);
        await using var connection = await fixture.OpenAdminAsync();
        foreach (var table in new[] { "accounts", "ledger", "transfers" })
        {
            Assert.Equal(await ChecksumAsync(connection, parent.Database, table), await ChecksumAsync(connection, child.Database, table));
        }

        Assert.Equal(
            await DatabaseSnapshot.ShowCreateTableAsync(connection, parent.Database, "ledger"),
            await DatabaseSnapshot.ShowCreateTableAsync(connection, child.Database, "ledger"));
        Assert.Empty(Directory.GetFiles(Path.Combine(DataDirectory, child.Database), "*.cfg"));
    }

    [Fact]
    public async Task When_writers_hold_the_parent_longer_than_the_export_lock_may_wait_every_table_goes_by_sql()
    {
        var parent = await CreateBankAsync();
        var (provider, child) = NewBranch("patient");
        provider.Tablespaces = provider.Tablespaces! with { ExportLockWait = TimeSpan.FromSeconds(1) };
        await using var holder = await fixture.OpenAdminAsync(parent.Database);
        await Bank.Execute(holder, "START TRANSACTION; INSERT INTO transfers (id) VALUES (100000)");
        var commitLater = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            await Bank.Execute(holder, "DELETE FROM transfers WHERE id = 100000; COMMIT");
        });

        await provider.CreateAsync(child, parent, copyData: true, CancellationToken.None);
        await commitLater;

        Assert.Empty(provider.LastClone!.AsFiles);
        Assert.All(provider.LastClone.BySql, s => Assert.Contains("could not be locked for export within 1 s", s.Reason));
        await using var connection = await fixture.OpenAdminAsync();
        foreach (var table in new[] { "accounts", "ledger", "transfers" })
        {
            Assert.Equal(await ChecksumAsync(connection, parent.Database, table), await ChecksumAsync(connection, child.Database, table));
        }
    }

    [Fact]
    public async Task A_reset_names_the_tables_that_took_the_slower_way_once()
    {
        var parent = new BranchTarget("main", "main", PrivateServerFixture.UniqueName("tsn"));
        await fixture.ExecuteAsync($"""
            CREATE DATABASE {SqlIdentifier.Quote(parent.Database)}; USE {SqlIdentifier.Quote(parent.Database)};
            CREATE TABLE kept (id INT PRIMARY KEY) ENGINE=InnoDB;
            CREATE TABLE plain (id INT PRIMARY KEY) ENGINE=Aria;
            INSERT INTO kept VALUES (1); INSERT INTO plain VALUES (1);
            """);
        var project = PrivateServerFixture.UniqueName("proj");
        var child = new BranchTarget("reset-note", "reset-note", project + "_reset_note");
        await LocalBranchProvider.Create(fixture.Endpoint, project, TestOwners.Default).CreateAsync(child, parent, copyData: true, CancellationToken.None);

        // A reset clones twice (the parent to a staging copy, that copy to the branch); the developer hears it once.
        var progress = new ProgressLog();
        await LocalBranchProvider.Create(fixture.Endpoint, project, TestOwners.Default, progress).ResetAsync(child, parent, copyData: true, CancellationToken.None);

        Assert.Equal(["1 of 2 tables could not travel as files and were copied by SQL after the others: plain (engine Aria)."], progress.Lines);
    }

    /// <summary>A provider for a new branch; <paramref name="filesOnly"/>: small tables travel as files too, as the tests of the file path need.</summary>
    private (ServerBranchProvider Provider, BranchTarget Child) NewBranch(string branch, IProgress<string>? progress = null, bool filesOnly = true)
    {
        var project = PrivateServerFixture.UniqueName("proj");
        var provider = LocalBranchProvider.Create(fixture.Endpoint, project, TestOwners.Default, progress);
        if (filesOnly)
        {
            provider.Tablespaces = provider.Tablespaces! with { SmallTableBytes = 0 };
        }

        return (provider, new BranchTarget(branch, branch, project + "_" + branch.Replace('-', '_')));
    }

    /// <summary>Accounts, transfers and their ledger rows: every transfer writes all three tables in one transaction.</summary>
    private async Task<BranchTarget> CreateBankAsync()
    {
        var database = PrivateServerFixture.UniqueName("bank");
        await fixture.ExecuteAsync($"""
            CREATE DATABASE `{database}`; USE `{database}`;
            CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL) ENGINE=InnoDB;
            CREATE TABLE transfers (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
            CREATE TABLE ledger (id INT AUTO_INCREMENT PRIMARY KEY, transfer_id INT NOT NULL, account_id INT NOT NULL, amount INT NOT NULL,
              FOREIGN KEY (transfer_id) REFERENCES transfers (id), FOREIGN KEY (account_id) REFERENCES accounts (id)) ENGINE=InnoDB;
            INSERT INTO accounts SELECT seq, {Bank.OpeningBalance} FROM seq_1_to_{Bank.Accounts};
            """);
        return new BranchTarget("main", "main", database);
    }

    private static async Task<string> ChecksumAsync(MySqlConnection connection, string database, string table)
    {
        await using var command = new MySqlCommand($"CHECKSUM TABLE {SqlIdentifier.Quote(database, table)} EXTENDED", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return Convert.ToString(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
