using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>Reads what a schema contains, and each object's definition, from information_schema and SHOW CREATE.</summary>
public sealed class SchemaObjectReader(MySqlConnection connection)
{
    public async Task<SchemaCharset?> ReadCharsetAsync(string schema, CancellationToken cancellationToken)
    {
        await using var command = Command(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @schema",
            schema);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new SchemaCharset(reader.GetString(0), reader.GetString(1)) : null;
    }

    public async Task<IReadOnlyList<TableDefinition>> ReadTablesAsync(string schema, CancellationToken cancellationToken)
    {
        var names = new List<(string Name, TableKind Kind)>();
        await using (var command = Command(
            "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES " +
            "WHERE TABLE_SCHEMA = @schema AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'SEQUENCE') ORDER BY TABLE_NAME",
            schema))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                names.Add((reader.GetString(0), reader.GetString(1) == "SEQUENCE" ? TableKind.Sequence : TableKind.Table));
            }
        }

        var columns = await ReadCopyColumnsAsync(schema, cancellationToken).ConfigureAwait(false);
        var tables = new List<TableDefinition>(names.Count);
        foreach (var (name, kind) in names)
        {
            var create = await ShowCreateAsync($"SHOW CREATE TABLE {SqlIdentifier.Quote(schema, name)}", 1, cancellationToken).ConfigureAwait(false);
            tables.Add(new TableDefinition(name, kind, create, columns.TryGetValue(name, out var list) ? list : []));
        }

        return tables;
    }

    /// <summary>The table's AUTO_INCREMENT counters (tables without one are absent).</summary>
    public async Task<Dictionary<string, ulong>> ReadAutoIncrementsAsync(string schema, CancellationToken cancellationToken)
    {
        // SHOW TABLE STATUS asks the engine; information_schema.TABLES may serve cached statistics (MySQL 8).
        var counters = new Dictionary<string, ulong>(StringComparer.Ordinal);
        await using var command = new MySqlCommand($"SHOW TABLE STATUS FROM {SqlIdentifier.Quote(schema)}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var name = reader.GetOrdinal("Name");
        var autoIncrement = reader.GetOrdinal("Auto_increment");
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.IsDBNull(autoIncrement))
            {
                counters[reader.GetString(name)] = Convert.ToUInt64(reader.GetValue(autoIncrement), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return counters;
    }

    public async Task<IReadOnlyList<ProgramObjectDefinition>> ReadViewsAsync(string schema, CancellationToken cancellationToken)
    {
        // A view keeps no sql_mode; SHOW CREATE VIEW prints it afresh in the quoting of the session that asks,
        // so that session's mode is the one its text parses under.
        string sessionMode;
        await using (var mode = new MySqlCommand("SELECT @@SESSION.sql_mode", connection))
        {
            sessionMode = Convert.ToString(await mode.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        }

        var result = new List<ProgramObjectDefinition>();
        foreach (var name in await NamesAsync("SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = @schema ORDER BY TABLE_NAME", schema, cancellationToken).ConfigureAwait(false))
        {
            // View | Create View | character_set_client | collation_connection
            var row = await ShowCreateRowAsync($"SHOW CREATE VIEW {SqlIdentifier.Quote(schema, name)}", cancellationToken).ConfigureAwait(false);
            result.Add(new ProgramObjectDefinition(ProgramObjectKind.View, name, row[1]!, sessionMode, row[2], row[3], null));
        }

        return result;
    }

    public async Task<IReadOnlyList<ProgramObjectDefinition>> ReadRoutinesAsync(string schema, CancellationToken cancellationToken)
    {
        var routines = new List<(string Name, string Type)>();
        await using (var command = Command(
            "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES " +
            "WHERE ROUTINE_SCHEMA = @schema AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION') ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
            schema))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                routines.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var result = new List<ProgramObjectDefinition>();
        foreach (var (name, type) in routines)
        {
            // Procedure | sql_mode | Create Procedure | character_set_client | collation_connection | Database Collation
            var kind = type == "FUNCTION" ? ProgramObjectKind.Function : ProgramObjectKind.Procedure;
            var row = await ShowCreateRowAsync($"SHOW CREATE {type} {SqlIdentifier.Quote(schema, name)}", cancellationToken).ConfigureAwait(false);
            var create = row[2] ?? throw new InvalidOperationException($"The server did not show the definition of {type.ToLowerInvariant()} {SqlIdentifier.Quote(schema, name)} (missing privileges?).");
            result.Add(new ProgramObjectDefinition(kind, name, create, row[1], row[3], row[4], null));
        }

        return result;
    }

    public async Task<IReadOnlyList<ProgramObjectDefinition>> ReadTriggersAsync(string schema, CancellationToken cancellationToken)
    {
        // Created in this order, the copies get the same ACTION_ORDER as the originals.
        var names = await NamesAsync(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = @schema " +
            "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
            schema,
            cancellationToken).ConfigureAwait(false);
        var result = new List<ProgramObjectDefinition>();
        foreach (var name in names)
        {
            // Trigger | sql_mode | SQL Original Statement | character_set_client | collation_connection | ...
            var row = await ShowCreateRowAsync($"SHOW CREATE TRIGGER {SqlIdentifier.Quote(schema, name)}", cancellationToken).ConfigureAwait(false);
            result.Add(new ProgramObjectDefinition(ProgramObjectKind.Trigger, name, row[2]!, row[1], row[3], row[4], null));
        }

        return result;
    }

    public async Task<IReadOnlyList<ProgramObjectDefinition>> ReadEventsAsync(string schema, CancellationToken cancellationToken)
    {
        var names = await NamesAsync("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = @schema ORDER BY EVENT_NAME", schema, cancellationToken).ConfigureAwait(false);
        var result = new List<ProgramObjectDefinition>();
        foreach (var name in names)
        {
            // Event | sql_mode | time_zone | Create Event | character_set_client | collation_connection | Database Collation
            var row = await ShowCreateRowAsync($"SHOW CREATE EVENT {SqlIdentifier.Quote(schema, name)}", cancellationToken).ConfigureAwait(false);
            result.Add(new ProgramObjectDefinition(ProgramObjectKind.Event, name, row[3]!, row[1], row[4], row[5], row[2]));
        }

        return result;
    }

    public async Task<long> ReadSequenceNextValueAsync(string schema, string sequence, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand($"SELECT next_not_cached_value FROM {SqlIdentifier.Quote(schema, sequence)}", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<Dictionary<string, List<string>>> ReadCopyColumnsAsync(string schema, CancellationToken cancellationToken)
    {
        // Generated columns are computed by the child itself and refuse explicit values. EXTRA is checked too
        // because IS_GENERATED is missing on old servers; DEFAULT_GENERATED (MySQL 8) is a plain column with a default.
        var columns = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using var command = Command(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @schema " +
            "AND IFNULL(IS_GENERATED, 'NEVER') <> 'ALWAYS' AND EXTRA NOT LIKE '%VIRTUAL GENERATED%' AND EXTRA NOT LIKE '%STORED GENERATED%' " +
            "AND EXTRA NOT LIKE '%PERSISTENT GENERATED%' ORDER BY TABLE_NAME, ORDINAL_POSITION",
            schema);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            if (!columns.TryGetValue(table, out var list))
            {
                columns[table] = list = [];
            }

            list.Add(reader.GetString(1));
        }

        return columns;
    }

    private async Task<List<string>> NamesAsync(string sql, string schema, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await using var command = Command(sql, schema);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private async Task<string> ShowCreateAsync(string sql, int column, CancellationToken cancellationToken) =>
        (await ShowCreateRowAsync(sql, cancellationToken).ConfigureAwait(false))[column]
        ?? throw new InvalidOperationException($"`{sql}` returned no definition.");

    private async Task<string?[]> ShowCreateRowAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"`{sql}` returned nothing.");
        }

        var row = new string?[reader.FieldCount];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i) is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
        }

        return row;
    }

    private MySqlCommand Command(string sql, string schema)
    {
        var command = new MySqlCommand(sql, connection);
        command.Parameters.AddWithValue("@schema", schema);
        return command;
    }
}
