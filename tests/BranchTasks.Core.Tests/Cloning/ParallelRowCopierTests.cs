using System.Diagnostics;
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
/// Cloning by SQL on several connections (the <c>mysql</c> provider, no file access): the copy is of one moment while
/// the parent is being written, the parent is held by a read lock only until the rows are in, a parent that cannot be
/// locked sends the clone down the one-transaction path with the reason in its report, and a failed clone leaves
/// nothing behind.
/// </summary>
[Collection(PrivateServerCollection.Name)]
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class ParallelRowCopierTests(PrivateServerFixture fixture)
{
    [Fact]
    public async Task A_clone_while_the_parent_is_written_copies_every_table_from_one_moment_on_several_connections()
    {
        var parent = await CreateBankAsync();
        var progress = new ProgressLog();
        var (provider, child) = NewBranch("busy", progress);
        using var stop = new CancellationTokenSource();
        var committed = 0;
        var writer = Task.Run(async () =>
        {
            await using var connection = await fixture.OpenAdminAsync(parent.Database);
            var random = new Random(11);
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
                    await Bank.Execute(connection, "ROLLBACK");
                }
            }
        });
        await Bank.WaitForAsync(() => Volatile.Read(ref committed) >= 20, writer);

        MySqlException? blockedWhileLocked = null;
        List<string>? readWhileLocked = null;
        provider.SqlCopy = provider.SqlCopy! with
        {
            // Two connections for three tables: one of them copies two, and only the lock keeps those of one moment.
            Connections = 2,
            DeferIndexesFromBytes = 0,
            WhileLocked = async () =>
            {
                await using var probe = await fixture.OpenAdminAsync(parent.Database);
                readWhileLocked = await DatabaseSnapshot.ColumnAsync(probe, "SELECT COUNT(*) FROM accounts");
                await Bank.Execute(probe, "SET SESSION lock_wait_timeout = 1");
                blockedWhileLocked = await Assert.ThrowsAsync<MySqlException>(() => Bank.TransferAsync(probe, 1, 2, 1));
            },
        };

        await provider.CreateAsync(child, parent, copyData: true, CancellationToken.None);
        var atClone = Volatile.Read(ref committed);
        await Bank.WaitForAsync(() => Volatile.Read(ref committed) >= atClone + 20, writer);
        await stop.CancelAsync();
        await writer;

        Assert.Equal(SqlRowCopy.Parallel, provider.LastClone!.SqlCopy);
        Assert.Equal(["accounts", "ledger", "transfers"], provider.LastClone.BySql.Select(s => s.Table).Order(StringComparer.Ordinal));
        Assert.Equal(["ledger"], provider.LastClone.KeysAfterRows);
        Assert.Empty(progress.Lines);
        Assert.Equal([Bank.Accounts.ToString(System.Globalization.CultureInfo.InvariantCulture)], readWhileLocked!);
        Assert.Equal(MySqlErrorCode.LockWaitTimeout, blockedWhileLocked?.ErrorCode);

        // The money is all there, every transfer has both its ledger rows, and every balance is its opening balance plus its ledger.
        await using var check = await fixture.OpenAdminAsync(child.Database);
        Assert.Equal([(Bank.Accounts * Bank.OpeningBalance).ToString(System.Globalization.CultureInfo.InvariantCulture)], await DatabaseSnapshot.ColumnAsync(check, "SELECT SUM(balance) FROM accounts"));
        Assert.Equal(["0"], await DatabaseSnapshot.ColumnAsync(check, "SELECT COUNT(*) FROM transfers t WHERE (SELECT COUNT(*) FROM ledger l WHERE l.transfer_id = t.id) <> 2"));
        Assert.Equal(["0"], await DatabaseSnapshot.ColumnAsync(check, "SELECT COUNT(*) FROM ledger l LEFT JOIN transfers t ON t.id = l.transfer_id WHERE t.id IS NULL"));
        Assert.Equal(["0"], await DatabaseSnapshot.ColumnAsync(check,
            $"SELECT COUNT(*) FROM accounts a WHERE a.balance <> {Bank.OpeningBalance} + (SELECT IFNULL(SUM(l.amount), 0) FROM ledger l WHERE l.account_id = a.id)"));
        var copied = long.Parse((await DatabaseSnapshot.ColumnAsync(check, "SELECT COUNT(*) FROM transfers")).Single(), System.Globalization.CultureInfo.InvariantCulture);
        var total = long.Parse((await DatabaseSnapshot.ColumnAsync(check, $"SELECT COUNT(*) FROM {SqlIdentifier.Quote(parent.Database, "transfers")}")).Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(copied, 20, total - 20);

        // The plain key taken off ledger for the copy is back as it was (the parent's counter has moved on since).
        await using var admin = await fixture.OpenAdminAsync();
        static string WithoutCounter(string create) => System.Text.RegularExpressions.Regex.Replace(create, " AUTO_INCREMENT=[0-9]+", string.Empty);
        Assert.Equal(
            WithoutCounter(await DatabaseSnapshot.ShowCreateTableAsync(admin, parent.Database, "ledger")),
            WithoutCounter(await DatabaseSnapshot.ShowCreateTableAsync(admin, child.Database, "ledger")));
        Assert.Contains("KEY `by_amount`", await DatabaseSnapshot.ShowCreateTableAsync(admin, child.Database, "ledger"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_account_that_may_not_lock_the_parent_copies_in_one_transaction_and_the_report_says_why()
    {
        var parent = await CreateBankAsync();
        await AddTransfersAsync(parent);
        var progress = new ProgressLog();
        var (provider, child) = NewBranch("nolock", progress);
        provider.SqlCopy = NoLockAccount.Access(fixture);

        await provider.CreateAsync(child, parent, copyData: true, CancellationToken.None);

        Assert.Equal(SqlRowCopy.OneTransaction, provider.LastClone!.SqlCopy);
        Assert.StartsWith("the parent's tables could not be locked for reading (", provider.LastClone.OneTransactionReason, StringComparison.Ordinal);
        Assert.Contains("denied", provider.LastClone.OneTransactionReason, StringComparison.OrdinalIgnoreCase);
        // The developer is told why this clone took the slower way.
        Assert.Equal([$"Rows were copied in one transaction, not on several connections: {provider.LastClone.OneTransactionReason}."], progress.Lines);
        await AssertSameRowsAsync(parent, child);
    }

    [Fact]
    public async Task When_writers_hold_the_parent_longer_than_the_lock_may_wait_the_clone_copies_in_one_transaction()
    {
        var parent = await CreateBankAsync();
        await AddTransfersAsync(parent);
        var (provider, child) = NewBranch("patient");
        provider.SqlCopy = provider.SqlCopy! with { LockWait = TimeSpan.FromSeconds(1), DeferIndexesFromBytes = 0 };
        await using var holder = await fixture.OpenAdminAsync(parent.Database);
        await Bank.Execute(holder, "START TRANSACTION; INSERT INTO transfers (id) VALUES (100000)");
        var commitLater = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            await Bank.Execute(holder, "DELETE FROM transfers WHERE id = 100000; COMMIT");
        });

        await provider.CreateAsync(child, parent, copyData: true, CancellationToken.None);
        await commitLater;

        Assert.Equal(SqlRowCopy.OneTransaction, provider.LastClone!.SqlCopy);
        Assert.Equal("the parent's tables could not be locked for reading within 1 s", provider.LastClone.OneTransactionReason);
        await AssertSameRowsAsync(parent, child);
        await using var admin = await fixture.OpenAdminAsync();
        Assert.Equal(
            await DatabaseSnapshot.ShowCreateTableAsync(admin, parent.Database, "ledger"),
            await DatabaseSnapshot.ShowCreateTableAsync(admin, child.Database, "ledger"));
    }

    [Fact]
    public async Task A_clone_that_fails_while_the_parent_is_locked_leaves_no_child_and_the_parent_writable()
    {
        var parent = await CreateBankAsync();
        await AddTransfersAsync(parent);
        var (provider, child) = NewBranch("half");
        provider.SqlCopy = provider.SqlCopy! with { WhileLocked = () => throw new InvalidOperationException("the copy broke (test)") };

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => provider.CreateAsync(child, parent, copyData: true, CancellationToken.None));

        Assert.Equal(ErrorCodes.BranchCreateFailed, error.Code);
        Assert.Contains("the copy broke (test)", error.Message);
        await using var admin = await fixture.OpenAdminAsync();
        Assert.Equal(["0"], await DatabaseSnapshot.ColumnAsync(admin, $"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{child.Database}'"));
        Assert.Null(await new BranchMetadataStore(ct => fixture.Endpoint.OpenAdminConnectionAsync(ct)).FindByDatabaseAsync(child.Database, CancellationToken.None));

        // The read lock is gone: the parent takes writes at once.
        await using var probe = await fixture.OpenAdminAsync(parent.Database);
        await Bank.Execute(probe, "SET SESSION lock_wait_timeout = 2");
        await Bank.TransferAsync(probe, 1, 2, 5);
    }

    private (ServerBranchProvider Provider, BranchTarget Child) NewBranch(string branch, IProgress<string>? progress = null)
    {
        var project = PrivateServerFixture.UniqueName("proj");
        var provider = LocalBranchProvider.Create(fixture.Endpoint with { DataDirectory = null }, project, TestOwners.Default, progress);
        return (provider, new BranchTarget(branch, branch, project + "_" + branch.Replace('-', '_')));
    }

    /// <summary>
    /// Accounts, transfers and their ledger rows: every transfer writes all three tables in one transaction. The
    /// references are not declared as foreign keys, so the ledger's plain key is one the copy builds after the rows.
    /// </summary>
    private async Task<BranchTarget> CreateBankAsync()
    {
        var database = PrivateServerFixture.UniqueName("bank");
        await fixture.ExecuteAsync($"""
            CREATE DATABASE `{database}`; USE `{database}`;
            CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL) ENGINE=InnoDB;
            CREATE TABLE transfers (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
            CREATE TABLE ledger (id INT AUTO_INCREMENT PRIMARY KEY, transfer_id INT NOT NULL, account_id INT NOT NULL, amount INT NOT NULL, KEY by_amount (amount)) ENGINE=InnoDB;
            INSERT INTO accounts SELECT seq, {Bank.OpeningBalance} FROM seq_1_to_{Bank.Accounts};
            """);
        return new BranchTarget("main", "main", database);
    }

    private Task AddTransfersAsync(BranchTarget parent) => fixture.ExecuteAsync("""
        INSERT INTO transfers () VALUES (), ();
        INSERT INTO ledger (transfer_id, account_id, amount) VALUES (1, 1, -5), (1, 2, 5), (2, 3, -7), (2, 4, 7);
        UPDATE accounts SET balance = balance + CASE id WHEN 1 THEN -5 WHEN 2 THEN 5 WHEN 3 THEN -7 WHEN 4 THEN 7 ELSE 0 END;
        """, parent.Database);

    private async Task AssertSameRowsAsync(BranchTarget parent, BranchTarget child)
    {
        await using var connection = await fixture.OpenAdminAsync();
        foreach (var table in new[] { "accounts", "ledger", "transfers" })
        {
            Assert.Equal(await DatabaseSnapshot.RowsAsync(connection, parent.Database, table), await DatabaseSnapshot.RowsAsync(connection, child.Database, table));
        }
    }
}
