using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Cloning;

/// <summary>Reads back what a database holds, to compare a clone with its parent.</summary>
internal static class DatabaseSnapshot
{
    public static async Task<List<string>> TablesAsync(MySqlConnection connection, string database)
    {
        var names = new List<string>();
        await using var command = new MySqlCommand(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = @db AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", connection);
        command.Parameters.AddWithValue("@db", database);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public static async Task<string> ShowCreateTableAsync(MySqlConnection connection, string database, string table)
    {
        await using var command = new MySqlCommand($"SHOW CREATE TABLE {SqlIdentifier.Quote(database, table)}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetString(1);
    }

    /// <summary>Every column (invisible ones too, which <c>SELECT *</c> leaves out), every row, in primary-key order.</summary>
    public static async Task<List<string>> RowsAsync(MySqlConnection connection, string database, string table)
    {
        var columns = new List<string>();
        await using (var command = new MySqlCommand(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @db AND TABLE_NAME = @t ORDER BY ORDINAL_POSITION", connection))
        {
            command.Parameters.AddWithValue("@db", database);
            command.Parameters.AddWithValue("@t", table);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(0));
            }
        }

        var list = string.Join(", ", columns.Select(SqlIdentifier.Quote));
        var rows = new List<string>();
        await using (var command = new MySqlCommand($"SELECT {list} FROM {SqlIdentifier.Quote(database, table)} ORDER BY 1", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                rows.Add(string.Join(" | ", values.Select(v => v is DBNull ? "NULL" : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))));
            }
        }

        return rows;
    }

    public static async Task<Dictionary<string, ulong>> AutoIncrementsAsync(MySqlConnection connection, string database)
    {
        var counters = new Dictionary<string, ulong>();
        await using var command = new MySqlCommand($"SHOW TABLE STATUS FROM {SqlIdentifier.Quote(database)}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var value = reader["Auto_increment"];
            if (value is not DBNull)
            {
                counters[(string)reader["Name"]] = Convert.ToUInt64(value);
            }
        }

        return counters;
    }

    public static async Task<List<string>> ColumnAsync(MySqlConnection connection, string sql)
    {
        var values = new List<string>();
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }
}
