using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>The product's promise, end to end: a plain `dotnet run` is on the current git branch's database.</summary>
[Collection(ProductCollection.Name)]
public sealed class DotnetRunTests(ProductFixture product)
{
    [Fact]
    public async Task Dotnet_run_follows_the_git_branch_with_isolated_copies_of_the_data()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "shop" }""");
        var app = Path.Combine(repo.Path, "app");

        var main1 = await RunAppAsync(app, "main-row-1");
        var main2 = await RunAppAsync(app, "main-row-2");
        Assert.Equal("shop_main", main2.Database);
        Assert.Equal(["main-row-1", "main-row-2"], main2.Notes);

        repo.Run("checkout", "-b", "feature/x");
        var feature = await RunAppAsync(app, "feature-row");
        Assert.NotEqual(main2.Database, feature.Database);
        Assert.StartsWith("shop_feature_x", feature.Database);
        // A copy of main's rows, plus its own.
        Assert.Equal(["main-row-1", "main-row-2", "feature-row"], feature.Notes);

        repo.Run("checkout", "main");
        var backOnMain = await RunAppAsync(app, null);
        Assert.Equal("shop_main", backOnMain.Database);
        Assert.Equal(["main-row-1", "main-row-2"], backOnMain.Notes);

        repo.Run("checkout", "feature/x");
        var backOnFeature = await RunAppAsync(app, null);
        Assert.Equal(feature.Database, backOnFeature.Database);
        Assert.Equal(["main-row-1", "main-row-2", "feature-row"], backOnFeature.Notes);
        Assert.NotNull(main1);

        // Detached HEAD: the documented fallback is the parent's branch, and the run says so.
        repo.Run("checkout", "-q", "--detach", "main");
        var detached = (await product.DotnetAsync(app, "run", "--", "--Sample:ReadOnly=true")).EnsureSuccess("dotnet run on a detached HEAD");
        Assert.Equal("shop_main", AppOutput.Parse(detached.StandardOutput).Database);
        Assert.Contains("warning BT0103", detached.StandardOutput + detached.StandardError);
        Assert.Contains("detached", detached.StandardOutput + detached.StandardError);
    }

    [Fact]
    public async Task The_app_process_sees_the_connection_string_but_no_upstream_secret_in_its_arguments_or_environment()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "secrets" }""");
        // The app prints exactly what it was given: every argument and every environment variable.
        repo.WriteFile("app/Program.cs", """
            foreach (var argument in Environment.GetCommandLineArgs()) Console.WriteLine("arg: " + argument);
            foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables()) Console.WriteLine($"env: {variable.Key}={variable.Value}");
            """);
        var run = (await product.DotnetAsync(Path.Combine(repo.Path, "app"), "run")).EnsureSuccess("dotnet run");

        Assert.Contains("arg: --ConnectionStrings:Default=Server=127.0.0.1;", run.StandardOutput);
        Assert.Contains("Database=secrets_main", run.StandardOutput);
        using var credentials = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(product.Home, "local", "credentials.json")));
        foreach (var secret in new[] { "appPassword", "adminPassword" })
        {
            var value = credentials.RootElement.GetProperty(secret).GetString()!;
            Assert.True(value.Length >= 16, secret);
            Assert.DoesNotContain(value, run.StandardOutput + run.StandardError);
        }

        // The tunnel the app just used serves its owner only: another OS user gets BT0505, not the database.
        var port = int.Parse(System.Text.RegularExpressions.Regex.Match(run.StandardOutput, @"Server=127\.0\.0\.1;Port=(\d+)").Groups[1].Value);
        var stranger = await OtherUser.QueryAsync(port, "SELECT DATABASE()");
        Assert.NotEqual(0, stranger.ExitCode);
        Assert.Contains("BT0505", stranger.Combined);
        Assert.DoesNotContain("secrets_main", stranger.StandardOutput);
    }

    [Fact]
    public async Task Dotnet_build_and_design_time_builds_start_nothing()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "quiet" }""");
        var app = Path.Combine(repo.Path, "app");
        var home = product.NewHome();
        var environment = product.Environment(home);

        (await product.DotnetAsync(app, environment, "build")).EnsureSuccess("dotnet build");
        // What an IDE does: a design-time build, which also computes the run arguments.
        (await product.DotnetAsync(app, environment, "msbuild", "-t:ComputeRunArguments", "-p:DesignTimeBuild=true", "-nologo")).EnsureSuccess("design-time build");
        // And a run with BranchTasks switched off must not reach for a database either.
        var disabled = await product.DotnetAsync(app, environment, "run", "--no-build", "-p:BranchTasksEnabled=false");
        Assert.Contains("No ConnectionStrings:Default", disabled.StandardError);

        // No daemon socket, no log, no private server: the home is as empty as it was.
        Assert.Empty(Directory.EnumerateFileSystemEntries(home));
    }

    private async Task<AppOutput> RunAppAsync(string app, string? note) =>
        AppOutput.Parse((await product.DotnetAsync(app, AppOutput.RunArguments(note))).EnsureSuccess("dotnet run").StandardOutput);
}
