using Microsoft.Extensions.Configuration;
using MySqlConnector;

// Ordinary .NET configuration: nothing here knows about BranchTasks. `dotnet run` hands the
// connection string of the current git branch's database in as ConnectionStrings:Default.
var configuration = new ConfigurationBuilder()
    .AddEnvironmentVariables()
    .AddCommandLine(args)
    .Build();

var connectionString = configuration.GetConnectionString("Default");
if (string.IsNullOrEmpty(connectionString))
{
    Console.Error.WriteLine("No ConnectionStrings:Default. Run me with `dotnet run` (BranchTasks injects it) or pass --ConnectionStrings:Default=...");
    return 2;
}

// Optional: --Sample:Note=text (what to write), --Sample:ReadOnly=true (write nothing).
var note = configuration["Sample:Note"] ?? $"run at {DateTimeOffset.UtcNow:u}";
var readOnly = string.Equals(configuration["Sample:ReadOnly"], "true", StringComparison.OrdinalIgnoreCase);

await using var connection = new MySqlConnection(connectionString);
await connection.OpenAsync();

await using (var create = new MySqlCommand(
    "CREATE TABLE IF NOT EXISTS orders (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(200) NOT NULL, created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))",
    connection))
{
    await create.ExecuteNonQueryAsync();
}

if (!readOnly)
{
    await using var insert = new MySqlCommand("INSERT INTO orders (note) VALUES (@note)", connection);
    insert.Parameters.AddWithValue("@note", note);
    await insert.ExecuteNonQueryAsync();
}

await using var who = new MySqlCommand("SELECT DATABASE(), VERSION()", connection);
await using (var reader = await who.ExecuteReaderAsync())
{
    await reader.ReadAsync();
    Console.WriteLine($"database: {reader.GetString(0)}");
    Console.WriteLine($"server: {reader.GetString(1)}");
}

await using var list = new MySqlCommand("SELECT id, note FROM orders ORDER BY id", connection);
await using (var rows = await list.ExecuteReaderAsync())
{
    while (await rows.ReadAsync())
    {
        Console.WriteLine($"order {rows.GetInt32(0)}: {rows.GetString(1)}");
    }
}

return 0;
