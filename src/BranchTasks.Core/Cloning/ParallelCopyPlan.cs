using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// Which tables a parallel copy fills, biggest first (so the last one to finish is a small one and the connections
/// end close together), and which of them get their plain secondary indexes built after their rows.
/// </summary>
/// <remarks>
/// Indexes are deferred only on InnoDB base tables of <see cref="SqlCopyAccess.DeferIndexesFromBytes"/> or more that
/// take no part in a foreign key: InnoDB will not drop an index a foreign key needs, and other engines rebuild the
/// whole table for an ALTER.
/// </remarks>
internal sealed record ParallelCopyPlan(IReadOnlyList<TableDefinition> Tables, IReadOnlyList<(TableDefinition Table, IReadOnlyList<SecondaryIndex> Keys)> Deferred)
{
    public static async Task<ParallelCopyPlan> ReadAsync(MySqlConnection connection, string source, IReadOnlyList<TableDefinition> tables, long deferFromBytes, CancellationToken cancellationToken)
    {
        var sizes = new Dictionary<string, (long Bytes, bool Deferrable)>(StringComparer.Ordinal);
        await using (var command = new MySqlCommand(
            "SELECT TABLE_NAME, IFNULL(DATA_LENGTH, 0), ENGINE = 'InnoDB' AND TABLE_TYPE = 'BASE TABLE' FROM information_schema.TABLES WHERE TABLE_SCHEMA = @schema",
            connection))
        {
            command.Parameters.AddWithValue("@schema", source);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sizes[reader.GetString(0)] = (Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture) == 1);
            }
        }

        var inForeignKeys = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new MySqlCommand(
            "SELECT TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = @schema " +
            "UNION SELECT REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE UNIQUE_CONSTRAINT_SCHEMA = @schema",
            connection))
        {
            command.Parameters.AddWithValue("@schema", source);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                inForeignKeys.Add(reader.GetString(0));
            }
        }

        long BytesOf(TableDefinition table) => sizes.TryGetValue(table.Name, out var size) ? size.Bytes : 0;
        var ordered = tables.OrderByDescending(BytesOf).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var deferred = ordered
            .Where(t => sizes.TryGetValue(t.Name, out var size) && size.Deferrable && size.Bytes >= deferFromBytes && !inForeignKeys.Contains(t.Name))
            .Select(t => (Table: t, Keys: SecondaryIndexes.Read(t.CreateStatement)))
            .Where(d => d.Keys.Count > 0)
            .ToList();
        return new ParallelCopyPlan(ordered, deferred);
    }
}
