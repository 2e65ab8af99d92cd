using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ShopApi;

namespace ShopApi.Tests;

/// <summary>
/// The app as it is, in the test host: AddBranchTasks() in Program puts it on the current git branch's database,
/// starting the BranchTasks daemon if none runs. (For a throw-away database per run, see `branchtasks exec`.)
/// </summary>
public sealed class ProductsTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    [Fact]
    public async Task A_posted_product_is_listed()
    {
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ShopDb>().Database.MigrateAsync();
        }

        using var client = factory.CreateClient();
        var name = "from a test " + Guid.NewGuid().ToString("N")[..8];
        (await client.PostAsJsonAsync("/products", new { name })).EnsureSuccessStatusCode();

        var products = await client.GetFromJsonAsync<List<Product>>("/products");
        Assert.Contains(products!, p => p.Name == name);
    }
}
