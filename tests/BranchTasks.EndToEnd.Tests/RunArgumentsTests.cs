using System.Text.RegularExpressions;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// Nothing the run already has is lost: whatever `dotnet run` gives the app without BranchTasks (a launch profile's
/// commandLineArgs, the arguments after `--`, the project's RunArguments), it still gives with it, plus the
/// connection string.
/// </summary>
[Collection(ProductCollection.Name)]
public sealed partial class RunArgumentsTests(ProductFixture product)
{
    /// <summary>Prints its arguments, and where the connection string came from (the database only, never a password).</summary>
    private const string App = """
        foreach (var argument in args) Console.WriteLine("arg: " + argument);
        var fromEnvironment = Environment.GetEnvironmentVariable("ConnectionStrings__Default");
        if (fromEnvironment is not null) Console.WriteLine("env: " + System.Text.RegularExpressions.Regex.Match(fromEnvironment, "Database=[^;]*").Value);
        """;

    private const string Profile = """
        { "profiles": { "App": { "commandName": "Project", "commandLineArgs": "--Greeting=hi \"--Spaced=a b\"" } } }
        """;

    [Fact]
    public async Task A_launch_profiles_arguments_and_the_arguments_after_the_separator_reach_the_app_with_the_connection_string()
    {
        using var repo = CreateRepository("""{ "provider": "local", "database": "profileargs" }""");
        var app = Path.Combine(repo.Path, "app");

        var withProfile = await RunAsync(app, "run");
        Assert.Contains("--Greeting=hi", withProfile);
        Assert.Contains("--Spaced=a b", withProfile);
        AssertSameAsWithoutBranchTasks(withProfile, await RunWithoutBranchTasksAsync(app, "run"), "profileargs_main");

        // After `--` the run's own arguments replace the profile's, as `dotnet run` has it without BranchTasks.
        var withSeparator = await RunAsync(app, "run", "--", "--Other=1");
        Assert.Contains("--Other=1", withSeparator);
        AssertSameAsWithoutBranchTasks(withSeparator, await RunWithoutBranchTasksAsync(app, "run", "--", "--Other=1"), "profileargs_main");

        // The user's own value for the connection string, after `--`, still wins (the last value counts).
        var overridden = await RunAsync(app, "run", "--", "--ConnectionStrings:Default=mine");
        Assert.Equal("--ConnectionStrings:Default=mine", overridden[^1]);
    }

    [Fact]
    public async Task The_projects_RunArguments_are_kept_too()
    {
        using var repo = CreateRepository("""{ "provider": "local", "database": "projectargs" }""");
        var csproj = Path.Combine(repo.Path, "app", "ShopSample.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("</Project>", "  <PropertyGroup><RunArguments>--FromProject=1</RunArguments></PropertyGroup>\n</Project>", StringComparison.Ordinal));
        var app = Path.Combine(repo.Path, "app");

        string[][] runs = [["run"], ["run", "--", "--Other=1"]];
        foreach (var arguments in runs)
        {
            var run = await RunAsync(app, arguments);
            Assert.Contains("--FromProject=1", run);
            AssertSameAsWithoutBranchTasks(run, await RunWithoutBranchTasksAsync(app, arguments), "projectargs_main");
        }
    }

    [Fact]
    public async Task Token_mode_keeps_a_launch_profiles_arguments_and_passes_the_string_in_the_environment()
    {
        using var repo = CreateRepository("""{ "provider": "local", "database": "profiletoken", "localAuth": "token" }""");
        var app = Path.Combine(repo.Path, "app");

        var output = (await product.DotnetAsync(app, "run")).EnsureSuccess("dotnet run").StandardOutput;
        Assert.Equal(await RunWithoutBranchTasksAsync(app, "run"), Arguments(output));
        Assert.Contains("--Greeting=hi", Arguments(output));
        Assert.Contains("env: Database=profiletoken_main", output);
    }

    private TempGitRepository CreateRepository(string config)
    {
        var repo = product.CreateAppRepository(config);
        repo.WriteFile("app/Program.cs", App);
        repo.WriteFile("app/Properties/launchSettings.json", Profile);
        repo.Commit("an app that prints its arguments, with a launch profile");
        return repo;
    }

    private async Task<List<string>> RunAsync(string app, params string[] arguments) =>
        Arguments((await product.DotnetAsync(app, arguments)).EnsureSuccess("dotnet " + string.Join(' ', arguments)).StandardOutput);

    private async Task<List<string>> RunWithoutBranchTasksAsync(string app, params string[] arguments)
    {
        // -p: goes before `--`, which ends dotnet run's own options.
        var separator = Array.IndexOf(arguments, "--");
        string[] disabled = separator < 0 ? [.. arguments, "-p:BranchTasksEnabled=false"] : [.. arguments[..separator], "-p:BranchTasksEnabled=false", .. arguments[separator..]];
        return await RunAsync(app, disabled);
    }

    /// <summary>The app got what it gets without BranchTasks, plus exactly one connection string for the branch's database.</summary>
    private static void AssertSameAsWithoutBranchTasks(List<string> with, List<string> without, string database)
    {
        var injected = Assert.Single(with, a => a.StartsWith("--ConnectionStrings:Default=", StringComparison.Ordinal));
        Assert.Contains("Server=127.0.0.1;", injected);
        Assert.Contains("Database=" + database, injected);
        Assert.Equal(without, with.Where(a => a != injected).ToList());
    }

    private static List<string> Arguments(string output) =>
        ArgumentLine().Matches(output).Select(m => m.Groups[1].Value.TrimEnd('\r')).ToList();

    [GeneratedRegex("^arg: (.*)$", RegexOptions.Multiline)]
    private static partial Regex ArgumentLine();
}
