using BranchTasks.Testing.PlanetScale;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.PlanetScale;

/// <summary>One PlanetScale double for the whole test class (a branch server start costs seconds), its <c>main</c> seeded with a table and rows.</summary>
public sealed class PlanetScaleApiDoubleFixture : IAsyncLifetime
{
    private PlanetScaleApiDouble? _double;

    public PlanetScaleApiDouble Double => _double ?? throw new InvalidOperationException("The double has not been started.");

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _double = await PlanetScaleApiDouble.StartNewAsync();
        Client = _double.CreateClient();
        await using var main = await _double.OpenBranchAdminAsync("main");
        await using var command = new MySqlCommand(
            "CREATE TABLE products (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, UNIQUE KEY (name)); " +
            "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, product_id INT NOT NULL, FOREIGN KEY (product_id) REFERENCES products (id)); " +
            "CREATE VIEW product_names AS SELECT name FROM products; " +
            "INSERT INTO products (name) VALUES ('apple'), ('pear'); INSERT INTO orders (product_id) VALUES (1);",
            main);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_double is not null)
        {
            await _double.DisposeAsync();
        }
    }
}
