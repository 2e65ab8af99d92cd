using System.Diagnostics;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>
/// The bank workload of the clone-while-written tests: transfers that write accounts, transfers and ledger in one
/// transaction, so a copy of one moment keeps every sum; a copy from two moments breaks one.
/// </summary>
internal static class Bank
{
    public const int Accounts = 10;

    public const int OpeningBalance = 100;

    /// <summary>One transfer; locks both accounts first, in id order, so two transfers never deadlock each other.</summary>
    public static Task TransferAsync(MySqlConnection connection, int from, int to, int amount) => Execute(connection, $"""
        START TRANSACTION;
        SELECT id FROM accounts WHERE id IN ({from}, {to}) ORDER BY id FOR UPDATE;
        INSERT INTO transfers () VALUES ();
        SET @transfer = LAST_INSERT_ID();
        INSERT INTO ledger (transfer_id, account_id, amount) VALUES (@transfer, {from}, -{amount}), (@transfer, {to}, {amount});
        UPDATE accounts SET balance = balance + CASE id WHEN {from} THEN -{amount} ELSE {amount} END WHERE id IN ({from}, {to});
        COMMIT;
        """);

    /// <summary>Waits for <paramref name="condition"/>, passing on the writer's exception if it stopped.</summary>
    public static async Task WaitForAsync(Func<bool> condition, Task writer)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (writer.IsCompleted)
            {
                await writer;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the writer made no progress");
            await Task.Delay(20);
        }
    }

    public static async Task Execute(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
