using System.Text.RegularExpressions;
using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// Copies the schema (never the rows: a PlanetScale branch starts with its parent's schema only) of the
/// database from a parent branch's server into a new branch's server: its character set, base tables, then views.
/// </summary>
internal static partial class SchemaCopier
{
    public static async Task CopyAsync(DoubleBranchServer source, DoubleBranchServer target, CancellationToken cancellationToken)
    {
        await using var from = await source.OpenAdminAsync(cancellationToken).ConfigureAwait(false);
        await using var to = await target.OpenAdminAsync(cancellationToken).ConfigureAwait(false);

        var (characterSet, collation) = await ReadCharsetAsync(from, source.Database, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(to, $"ALTER DATABASE {SqlIdentifier.Quote(target.Database)} CHARACTER SET {SqlIdentifier.Quote(characterSet)} COLLATE {SqlIdentifier.Quote(collation)}", cancellationToken).ConfigureAwait(false);

        // Tables are created in name order, so a foreign key may name a table that does not exist yet.
        await ExecuteAsync(to, "SET SESSION FOREIGN_KEY_CHECKS = 0", cancellationToken).ConfigureAwait(false);

        var objects = await ListAsync(from, source.Database, cancellationToken).ConfigureAwait(false);
        foreach (var (name, _) in objects.Where(o => o.Type != "VIEW"))
        {
            var create = await ShowCreateAsync(from, "TABLE", name, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(to, AutoIncrementOption().Replace(create, string.Empty), cancellationToken).ConfigureAwait(false);
        }

        // Both servers hold the database under the same name and the same admin account, so a view's text (its
        // qualifiers and definer) is valid as it is; only the order matters, when views read other views.
        var pending = new List<string>();
        foreach (var (name, _) in objects.Where(o => o.Type == "VIEW"))
        {
            pending.Add(await ShowCreateAsync(from, "VIEW", name, cancellationToken).ConfigureAwait(false));
        }

        while (pending.Count > 0)
        {
            var failed = new List<string>();
            MySqlException? last = null;
            foreach (var create in pending)
            {
                try
                {
                    await ExecuteAsync(to, create, cancellationToken).ConfigureAwait(false);
                }
                catch (MySqlException e)
                {
                    failed.Add(create);
                    last = e;
                }
            }

            if (failed.Count == pending.Count)
            {
                throw new InvalidOperationException($"Copying {failed.Count} view(s) to the new branch failed: {last?.Message}", last);
            }

            pending = failed;
        }
    }

    private static async Task<(string CharacterSet, string Collation)> ReadCharsetAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @db", connection);
        command.Parameters.AddWithValue("@db", database);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"The database {database} is missing on the parent branch's server.");
        }

        return (reader.GetString(0), reader.GetString(1));
    }

    private static async Task<List<(string Name, string Type)>> ListAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        // 'SEQUENCE' objects have no PlanetScale counterpart and are left out.
        await using var command = new MySqlCommand(
            "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = @db AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW') ORDER BY TABLE_NAME",
            connection);
        command.Parameters.AddWithValue("@db", database);
        var result = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add((reader.GetString(0), reader.GetString(1)));
        }

        return result;
    }

    private static async Task<string> ShowCreateAsync(MySqlConnection connection, string kind, string name, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand($"SHOW CREATE {kind} {SqlIdentifier.Quote(name)}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return reader.GetString(1);
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // The parent's counter reflects its rows, which the branch does not get.
    [GeneratedRegex(@"\s+AUTO_INCREMENT=\d+(?=\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex AutoIncrementOption();
}
