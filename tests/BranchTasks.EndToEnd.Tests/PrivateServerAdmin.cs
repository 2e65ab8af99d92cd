using System.Text.Json;
using MySqlConnector;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// Statements as the private server's admin, for what a test plays someone else doing by hand (making or
/// listing databases outside the project): the app's account behind a tunnel may not.
/// </summary>
internal static class PrivateServerAdmin
{
    /// <summary>Runs <paramref name="sql"/> on the server behind the tunnel on <paramref name="tunnelPort"/>; the first column of every row, one a line.</summary>
    public static async Task<string> QueryAsync(ProductFixture product, string directory, int tunnelPort, string sql)
    {
        var credentials = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(product.Home, "local", "credentials.json"))).RootElement;
        var status = ProductFixture.ParseJson((await product.ToolAsync(directory, "status", "--json")).EnsureSuccess("status"));
        var tunnel = status.GetProperty("tunnels").EnumerateArray().First(t => t.GetProperty("port").GetInt32() == tunnelPort);
        var builder = new MySqlConnectionStringBuilder
        {
            Server = "127.0.0.1",
            Port = (uint)tunnel.GetProperty("upstreamPort").GetInt32(),
            UserID = credentials.GetProperty("adminUser").GetString(),
            Password = credentials.GetProperty("adminPassword").GetString(),
            SslMode = MySqlSslMode.None,
            Pooling = false,
        };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        do
        {
            while (await reader.ReadAsync())
            {
                lines.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
            }
        }
        while (await reader.NextResultAsync());

        return string.Join('\n', lines);
    }
}
