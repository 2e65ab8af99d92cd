using Microsoft.EntityFrameworkCore;
using ShopApi;

var builder = WebApplication.CreateBuilder(args);

// The one line: ConnectionStrings:Default of the current git branch's database, in every way the app is started
// (F5, Test Explorer, `dotnet test`, `dotnet ef`, `dotnet run`), following `git checkout` while it runs. With no
// BranchTasks daemon running it starts one; when it cannot connect, it throws a BTxxxx error that says how to fix it.
builder.Configuration.AddBranchTasks();

// Not AddDbContext(o => o.UseMySql(connectionString, ...)) with a string read here: that would keep the start-up branch.
builder.Services.AddDbContext<ShopDb>(ShopDb.Configure);

var app = builder.Build();

// Which database this request reached, through EF.
app.MapGet("/", async (ShopDb db) => new
{
    database = await db.Database.SqlQuery<string>($"SELECT DATABASE() AS `Value`").SingleAsync(),
});

app.MapGet("/products", async (ShopDb db) => await db.Products.OrderBy(p => p.Id).ToListAsync());

app.MapPost("/products", async (ProductInput input, ShopDb db) =>
{
    var product = new Product { Name = input.Name };
    db.Products.Add(product);
    await db.SaveChangesAsync();
    return Results.Created($"/products/{product.Id}", product);
});

app.Run();

internal sealed record ProductInput(string Name);
