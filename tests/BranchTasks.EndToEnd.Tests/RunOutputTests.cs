using System.Text.RegularExpressions;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// What `dotnet run` prints at its default verbosity: one line naming the git branch, the database and the tunnel,
/// and a progress line before each long wait (the private server starting, a clone). The SDK shows no build message
/// of the run-arguments step at any verbosity, so these lines must reach the console by themselves.
/// </summary>
[Collection(ProductCollection.Name)]
public sealed class RunOutputTests(ProductFixture product)
{
    [Fact]
    public async Task Dotnet_run_shows_one_branch_to_database_line_and_progress_for_long_waits()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "oneline" }""");
        var app = Path.Combine(repo.Path, "app");
        // A home of its own: no daemon and no private server yet, so the first run takes the cold path (the bundled tool).
        var environment = product.Environment(product.NewHome());

        var cold = await RunAsync(app, environment);
        Assert.Equal(
            ["Starting the private database server...", "main \u2192 oneline_main (127.0.0.1:PORT), created (empty: the root branch)"],
            Lines(cold));
        Assert.Equal("oneline_main", cold.AppDatabase);

        // A new branch, named with BRANCHTASKS_BRANCH: HEAD stays, so the daemon's HEAD watcher does not clone it first.
        var pinned = new Dictionary<string, string?>(environment) { ["BRANCHTASKS_BRANCH"] = "feature/x" };
        var created = await RunAsync(app, pinned);
        var featureDatabase = Assert.Single(Regex.Matches(created.Output, @"oneline_feature_x_[0-9a-f]{8}").Select(m => m.Value).Distinct());
        var featureBranch = featureDatabase["oneline_".Length..].Replace('_', '-');
        Assert.Equal(
            [$"Creating database branch '{featureBranch}' from 'main' (schema and data)...", $"feature/x \u2192 {featureDatabase} (127.0.0.1:PORT), created from main"],
            Lines(created));
        Assert.Equal(featureDatabase, created.AppDatabase);
        Assert.NotEqual(cold.Port, created.Port);

        // The everyday run: exactly one line.
        var warm = await RunAsync(app, environment);
        Assert.Equal(["main \u2192 oneline_main (127.0.0.1:PORT)"], Lines(warm));
        Assert.Equal(cold.Port, warm.Port);
        Assert.Equal("oneline_main", warm.AppDatabase);
    }

    private async Task<Run> RunAsync(string app, Dictionary<string, string?> environment)
    {
        // Plain `dotnet run`, as typed: the SDK's default verbosity.
        var result = (await product.DotnetAsync(app, environment, "run", "--", "--Sample:ReadOnly=true")).EnsureSuccess("dotnet run");
        var summary = Regex.Match(result.StandardError, @"\(127\.0\.0\.1:(\d+)\)");
        return new Run(
            result.Combined,
            result.StandardError.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            summary.Success ? int.Parse(summary.Groups[1].Value) : -1,
            AppOutput.Parse(result.StandardOutput).Database);
    }

    /// <summary>The BranchTasks lines on stderr, in order, without the prefix and with the tunnel's port as PORT.</summary>
    private static string[] Lines(Run run) =>
        [.. run.StandardErrorLines
            .Where(l => l.StartsWith("BranchTasks: ", StringComparison.Ordinal))
            .Select(l => Regex.Replace(l["BranchTasks: ".Length..], @"127\.0\.0\.1:\d+", "127.0.0.1:PORT"))];

    private sealed record Run(string Output, string[] StandardErrorLines, int Port, string AppDatabase);
}
