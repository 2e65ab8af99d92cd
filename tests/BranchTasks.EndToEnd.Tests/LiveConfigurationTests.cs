using System.Diagnostics;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>A running app on the packed BranchTasks.Configuration package follows `git checkout` with no restart.</summary>
[Collection(ProductCollection.Name)]
public sealed class LiveConfigurationTests(ProductFixture product)
{
    private const string Program = """
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.Primitives;
        using MySqlConnector;

        // Added last: it wins over the value `dotnet run` injected on the command line.
        var configuration = new ConfigurationBuilder().AddCommandLine(args).AddBranchTasks().Build();
        void Report()
        {
            try
            {
                using var connection = new MySqlConnection(configuration.GetConnectionString("Default"));
                connection.Open();
                using var command = new MySqlCommand("SELECT DATABASE()", connection);
                Console.WriteLine($"database: {command.ExecuteScalar()}");
            }
            catch (Exception e)
            {
                Console.WriteLine("error: " + e.Message);
            }
        }

        Report();
        using var subscription = ChangeToken.OnChange(configuration.GetReloadToken, Report);
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        """;

    private const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="BranchTasks" Version="*-*" />
            <PackageReference Include="BranchTasks.Configuration" Version="*-*" />
            <PackageReference Include="MySqlConnector" Version="2.6.2" />
            <PackageReference Include="Microsoft.Extensions.Configuration.CommandLine" Version="10.0.0" />
          </ItemGroup>
        </Project>
        """;

    [Fact]
    public async Task A_running_app_sees_the_new_branch_within_two_seconds_of_git_checkout()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "live" }""");
        repo.WriteFile("live/Program.cs", Program);
        repo.WriteFile("live/LiveApp.csproj", Project);
        repo.Commit("live app");
        var app = Path.Combine(repo.Path, "live");
        (await product.DotnetAsync(app, "build")).EnsureSuccess("dotnet build");

        await using var process = LiveProcess.Start(app, product.Environment(), "run", "--no-build");
        Assert.Equal("live_main", await process.WaitForLineAsync("database: ", 1, TimeSpan.FromMinutes(3)));

        var watch = Stopwatch.StartNew();
        repo.Run("checkout", "-q", "-b", "other");
        Assert.Equal("live_other", await process.WaitForLineAsync("database: ", 2, TimeSpan.FromSeconds(30)));
        Assert.True(watch.Elapsed <= TimeSpan.FromSeconds(2), $"took {watch.Elapsed}\n{process.Output}");

        watch.Restart();
        repo.Run("checkout", "-q", "main");
        Assert.Equal("live_main", await process.WaitForLineAsync("database: ", 3, TimeSpan.FromSeconds(30)));
        Assert.True(watch.Elapsed <= TimeSpan.FromSeconds(2), $"took {watch.Elapsed}\n{process.Output}");
        Assert.DoesNotContain(process.Lines, l => l.StartsWith("error: ", StringComparison.Ordinal));
    }
}
