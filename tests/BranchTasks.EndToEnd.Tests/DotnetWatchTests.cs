using System.Collections.Concurrent;
using System.Diagnostics;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>A real `dotnet watch` session: every launch and restart goes through the ensure step.</summary>
[Collection(ProductCollection.Name)]
public sealed class DotnetWatchTests(ProductFixture product)
{
    [Fact]
    public async Task Dotnet_watch_launches_and_restarts_on_the_current_git_branch_database()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "watch" }""");
        var app = Path.Combine(repo.Path, "app");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = app,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in new[] { "watch", "run", "--non-interactive", "--", "--Sample:ReadOnly=true" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("BRANCHTASKS_BRANCH");
        foreach (var (key, value) in product.Environment())
        {
            if (value is not null)
            {
                info.Environment[key] = value;
            }
        }

        info.Environment["DOTNET_WATCH_SUPPRESS_EMOJIS"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";

        var lines = new ConcurrentQueue<string>();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lines.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lines.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var first = await WaitForDatabaseAsync(lines, 1, process);
            Assert.Equal("watch_main", first);

            // Switch branch while watch waits, then edit a source file: the restart is on the new branch.
            repo.Run("checkout", "-q", "-b", "watched");
            await Task.Delay(300);
            File.AppendAllText(Path.Combine(app, "Program.cs"), "\n// edited while dotnet watch runs\n");
            var second = await WaitForDatabaseAsync(lines, 2, process);
            Assert.Equal("watch_watched", second);
        }
        finally
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }
    }

    /// <summary>The database the app printed on its <paramref name="launch"/>-th launch.</summary>
    private static async Task<string> WaitForDatabaseAsync(ConcurrentQueue<string> lines, int launch, Process process)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            var databases = lines.Where(l => l.StartsWith("database: ", StringComparison.Ordinal)).ToList();
            if (databases.Count >= launch)
            {
                return databases[launch - 1]["database: ".Length..].Trim();
            }

            Assert.False(process.HasExited, "dotnet watch exited:\n" + string.Join("\n", lines));
            await Task.Delay(200);
        }

        throw new TimeoutException($"Launch {launch} of the app under dotnet watch printed no database within 3 minutes:\n" + string.Join("\n", lines));
    }
}
