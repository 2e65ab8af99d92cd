using MySqlConnector;

namespace BranchTasks.Core.Cloning;

/// <summary>
/// The session settings a clone changes, saved up front and put back afterwards, so the caller gets its
/// connection back as it lent it.
/// </summary>
internal sealed class CloneSession
{
    // NO_AUTO_VALUE_ON_ZERO keeps a stored 0 in an AUTO_INCREMENT column a 0; no strict or date checks, because
    // the parent's definitions and values were valid when they were made and must be copied, not re-judged.
    public const string CopySqlMode = "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";

    private readonly MySqlConnection _connection;
    private readonly string _sqlMode;
    private readonly string _characterSetClient;
    private readonly string _collationConnection;
    private readonly string _timeZone;
    private readonly long _foreignKeyChecks;

    private CloneSession(MySqlConnection connection, string sqlMode, string characterSetClient, string collationConnection, string timeZone, long foreignKeyChecks)
    {
        _connection = connection;
        _sqlMode = sqlMode;
        _characterSetClient = characterSetClient;
        _collationConnection = collationConnection;
        _timeZone = timeZone;
        _foreignKeyChecks = foreignKeyChecks;
    }

    public static async Task<CloneSession> BeginAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        CloneSession session;
        await using (var command = new MySqlCommand(
            "SELECT @@SESSION.sql_mode, @@SESSION.character_set_client, @@SESSION.collation_connection, @@SESSION.time_zone, @@SESSION.foreign_key_checks",
            connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            session = new CloneSession(connection, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Convert.ToInt64(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture));
        }

        await ApplyCopySettingsAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            // MySQL 8 caches table statistics (AUTO_INCREMENT among them) unless told not to; MariaDB has no such variable.
            await session.ExecuteAsync("SET SESSION information_schema_stats_expiry = 0", cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.UnknownSystemVariable)
        {
        }

        return session;
    }

    /// <summary>
    /// Opens another connection that copies rows or changes tables for the clone, in the copy's settings: foreign key
    /// checks off (tables are filled in any order, and their rows were valid in the parent), <see cref="CopySqlMode"/>.
    /// It is the clone's own, so nothing is restored; the caller disposes it.
    /// </summary>
    public static async Task<MySqlConnection> OpenCopyConnectionAsync(Func<string?, CancellationToken, Task<MySqlConnection>> open, string? database, CancellationToken cancellationToken)
    {
        var connection = await open(database, cancellationToken).ConfigureAwait(false);
        try
        {
            await ApplyCopySettingsAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Applies the settings a view, routine, trigger or event was created under.</summary>
    public async Task ApplyAsync(ProgramObjectDefinition definition, CancellationToken cancellationToken)
    {
        await ExecuteAsync("SET SESSION sql_mode = @mode", cancellationToken, ("@mode", definition.SqlMode ?? CopySqlMode)).ConfigureAwait(false);
        if (definition.CollationConnection is not null)
        {
            await ExecuteAsync("SET SESSION collation_connection = @collation", cancellationToken, ("@collation", definition.CollationConnection)).ConfigureAwait(false);
        }

        // The text travels as UTF-8 whatever the object's client character set was; declaring another one is
        // only safe when the text is plain ASCII, which every character set shares.
        if (definition.CharacterSetClient is not null && definition.CreateStatement.All(char.IsAscii))
        {
            await ExecuteAsync("SET SESSION character_set_client = @charset", cancellationToken, ("@charset", definition.CharacterSetClient)).ConfigureAwait(false);
        }

        if (definition.TimeZone is not null)
        {
            await ExecuteAsync("SET SESSION time_zone = @zone", cancellationToken, ("@zone", definition.TimeZone)).ConfigureAwait(false);
        }
    }

    /// <summary>Back to the settings of the copy itself after an object was created.</summary>
    public Task ResetAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(
            "SET SESSION character_set_client = @charset, SESSION collation_connection = @collation, SESSION time_zone = @zone, SESSION sql_mode = @mode",
            cancellationToken,
            ("@charset", _characterSetClient),
            ("@collation", _collationConnection),
            ("@zone", _timeZone),
            ("@mode", CopySqlMode));

    public Task RestoreAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(
            "SET SESSION character_set_client = @charset, SESSION collation_connection = @collation, SESSION time_zone = @zone, SESSION sql_mode = @mode, SESSION foreign_key_checks = @fk",
            cancellationToken,
            ("@charset", _characterSetClient),
            ("@collation", _collationConnection),
            ("@zone", _timeZone),
            ("@mode", _sqlMode),
            ("@fk", _foreignKeyChecks));

    private static async Task ApplyCopySettingsAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("SET SESSION foreign_key_checks = 0, SESSION sql_mode = @mode", connection);
        command.Parameters.AddWithValue("@mode", CopySqlMode);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new MySqlCommand(sql, _connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
