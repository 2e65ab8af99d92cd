using BranchTasks.Testing.PlanetScale;
using MySqlConnector;

namespace BranchTasks.Core.Tests.Providers.PlanetScale;

/// <summary>One PlanetScale API double (and its MariaDB servers) for the provider's tests.</summary>
public sealed class PlanetScaleDoubleFixture : IAsyncLifetime
{
    public PlanetScaleApiDouble Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await PlanetScaleApiDouble.StartNewAsync(organization: "acme", database: "shop");
        await using var main = await Api.OpenBranchAdminAsync("main");
        await using var create = new MySqlCommand("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL); INSERT INTO items VALUES (1, 'on main')", main);
        await create.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();
}
