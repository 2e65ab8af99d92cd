using Microsoft.EntityFrameworkCore;

namespace ShopApi;

public sealed class ShopDb(DbContextOptions<ShopDb> options) : DbContext(options)
{
    private static ServerVersion? _serverVersion;

    public DbSet<Product> Products => Set<Product>();

    /// <summary>
    /// Runs for every new context (AddDbContext's options are scoped: one context per request), so each one reads
    /// ConnectionStrings:Default as it is now. After a `git checkout`, AddBranchTasks() has swapped that value, and
    /// the next request is on the new branch's database; a context already open stays on the one it started with.
    /// </summary>
    public static void Configure(IServiceProvider services, DbContextOptionsBuilder options)
    {
        var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString("Default")
            ?? throw new InvalidOperationException("No ConnectionStrings:Default: call builder.Configuration.AddBranchTasks() (or run with `dotnet run`).");

        // Every branch of a project is on the same server: ask its version once, not for every context.
        _serverVersion ??= ServerVersion.AutoDetect(connectionString);
        options.UseMySql(connectionString, _serverVersion);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Product>(product =>
        {
            product.ToTable("products");
            product.Property(p => p.Name).HasMaxLength(200);
        });
}
