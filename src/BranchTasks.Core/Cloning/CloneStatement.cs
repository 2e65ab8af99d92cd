using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Runs one statement of a clone that may take as long as the data does (copying rows, importing tablespaces,
/// building indexes): no command timeout, and a failure names the step it was, as a <see cref="CloneStepException"/>.
/// </summary>
internal static class CloneStatement
{
    /// <summary>The step of a statement on one table, as errors name it.</summary>
    public static string TableStep(string table) => $"table {SqlIdentifier.Quote(table)}";

    /// <param name="step">What the statement copies, for the error (e.g. "table `t`"); null: the server's error as it is.</param>
    public static async Task ExecuteAsync(MySqlConnection on, string sql, string? step, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, on) { CommandTimeout = 0 };
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (step is not null)
        {
            throw new CloneStepException(step, e);
        }
    }
}
