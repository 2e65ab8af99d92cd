using System.Diagnostics;
using System.Text.Json;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>`branchtasks hooks install|uninstall` and the post-checkout hook, with real git checkouts.</summary>
[Collection(ProductCollection.Name)]
public sealed class HooksTests(ProductFixture product)
{
    [Fact]
    public async Task Hook_chains_a_foreign_post_checkout_and_creates_the_branch_in_the_background()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "hookchain" }""");
        var record = repo.SiblingPath("foreign-hook.log");
        var hook = Path.Combine(repo.Path, ".git", "hooks", "post-checkout");
        var foreign = $"#!/bin/sh\necho \"$1 $2 $3\" >> '{record}'\nexit 3\n";
        File.WriteAllText(hook, foreign);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(hook, (UnixFileMode)0b111_101_101);
        }


        // The parent's branch exists, with a table the new branch must inherit.
        var up = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up"));
        await Mysql(repo.Path, up.GetProperty("port").GetInt32(), "CREATE TABLE hookchain_main.marker (id INT); INSERT INTO hookchain_main.marker VALUES (42);");

        var install = (await product.ToolAsync(repo.Path, "hooks", "install")).EnsureSuccess("hooks install");
        Assert.Contains("chained", install.StandardOutput + install.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(foreign, File.ReadAllText(hook + ".branchtasks-chained"));
        var script = File.ReadAllText(hook);
        (await product.ToolAsync(repo.Path, "hooks", "install")).EnsureSuccess("hooks install again");
        Assert.Equal(script, File.ReadAllText(hook));
        Assert.Equal(foreign, File.ReadAllText(hook + ".branchtasks-chained"));

        var watch = Stopwatch.StartNew();
        var checkout = await Git(repo.Path, "checkout", "-q", "-b", "hooked");
        watch.Stop();
        // The foreign hook ran with git's arguments, and its failure still fails git checkout (git reports any hook failure as 1).
        Assert.Equal(1, checkout.ExitCode);
        var head = repo.Run("rev-parse", "HEAD").Trim();
        Assert.Equal($"{head} {head} 1", File.ReadAllLines(record).Single());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"git checkout took {watch.Elapsed}");

        var branch = await WaitForBranchAsync(repo.Path, "hooked");
        Assert.Equal("main", branch.GetProperty("parent").GetString());
        var created = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up on hooked"));
        Assert.Equal("42", (await Mysql(repo.Path, created.GetProperty("port").GetInt32(), "SELECT id FROM marker", created.GetProperty("database").GetString())).Trim());

        // A checkout of an existing branch, or to another commit, creates nothing.
        Assert.Equal(1, (await Git(repo.Path, "checkout", "-q", "main")).ExitCode);
        Assert.Equal(2, File.ReadAllLines(record).Length);

        // Our hook hands the chained hook's own exit code on.
        var direct = await ProcessRunner.RunAsync("sh", [hook, head, head, "0"], repo.Path, product.Environment());
        Assert.Equal(3, direct.ExitCode);

        var uninstall = (await product.ToolAsync(repo.Path, "hooks", "uninstall")).EnsureSuccess("hooks uninstall");
        Assert.Contains("restored", uninstall.StandardOutput);
        Assert.Equal(foreign, File.ReadAllText(hook));
        Assert.False(File.Exists(hook + ".branchtasks-chained"));
        (await product.ToolAsync(repo.Path, "hooks", "uninstall")).EnsureSuccess("hooks uninstall again");
        Assert.Equal(foreign, File.ReadAllText(hook));
    }

    [Fact]
    public async Task Hook_honours_core_hooksPath_and_branches_from_the_previous_branch()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "hookpath" }""");
        repo.Run("config", "core.hooksPath", ".githooks");
        (await product.ToolAsync(repo.Path, "hooks", "install")).EnsureSuccess("hooks install");
        Assert.True(File.Exists(Path.Combine(repo.Path, ".githooks", "post-checkout")));
        Assert.False(File.Exists(Path.Combine(repo.Path, ".git", "hooks", "post-checkout")));
        Assert.Contains("is installed", (await product.ToolAsync(repo.Path, "hooks", "status")).EnsureSuccess("hooks status").StandardOutput);

        Assert.Equal(0, (await Git(repo.Path, "checkout", "-q", "-b", "first")).ExitCode);
        await WaitForBranchAsync(repo.Path, "first");

        // Created from `first`, whose database branch exists.
        Assert.Equal(0, (await Git(repo.Path, "switch", "-q", "-c", "second")).ExitCode);
        var second = await WaitForBranchAsync(repo.Path, "second");
        Assert.Equal("first", second.GetProperty("parent").GetString());
    }

    [Fact]
    public async Task Hook_goes_to_a_global_core_hooksPath_where_git_runs_it()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "hookglobal" }""");
        var hooks = repo.SiblingPath("global hooks");
        var globalConfig = repo.SiblingPath("global.gitconfig");
        File.WriteAllText(globalConfig, $"[core]\n\thooksPath = \"{hooks.Replace("\\", "/", StringComparison.Ordinal)}\"\n");
        var environment = product.Environment();
        environment["GIT_CONFIG_GLOBAL"] = globalConfig;

        (await product.ToolAsync(repo.Path, environment, "hooks", "install")).EnsureSuccess("hooks install");
        Assert.True(File.Exists(Path.Combine(hooks, "post-checkout")));
        Assert.False(File.Exists(Path.Combine(repo.Path, ".git", "hooks", "post-checkout")));
        Assert.Contains($"is installed in {hooks}", (await product.ToolAsync(repo.Path, environment, "hooks", "status")).EnsureSuccess("hooks status").StandardOutput);

        // git itself runs it from there.
        Assert.Equal(0, (await ProcessRunner.RunAsync("git", ["checkout", "-q", "-b", "globally"], repo.Path, environment, TimeSpan.FromMinutes(1))).ExitCode);
        await WaitForBranchAsync(repo.Path, "globally");

        (await product.ToolAsync(repo.Path, environment, "hooks", "uninstall")).EnsureSuccess("hooks uninstall");
        Assert.False(File.Exists(Path.Combine(hooks, "post-checkout")));
    }

    [Fact]
    public async Task Hooks_without_git_on_the_PATH_is_a_clear_BT0604()
    {
        using var repo = TempGitRepository.Create();
        repo.WriteFile("branchtasks.json", """{ "database": "nogit" }""");
        repo.Commit("init");
        var environment = product.Environment();
        environment["PATH"] = Directory.CreateDirectory(repo.SiblingPath("empty-bin")).FullName;
        // The PATH of the test itself finds dotnet; the tool's PATH finds no git.
        var dotnet = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"))
            .First(File.Exists);

        var install = await ProcessRunner.RunAsync(dotnet, ["exec", product.ToolPath, "hooks", "install"], repo.Path, environment, TimeSpan.FromMinutes(1));
        Assert.NotEqual(0, install.ExitCode);
        Assert.Contains("BT0604", install.StandardError);
        Assert.Contains("Install git", install.StandardError);
        Assert.DoesNotContain("   at ", install.StandardError);
        Assert.False(File.Exists(Path.Combine(repo.Path, ".git", "hooks", "post-checkout")));
    }

    [Fact]
    public async Task Uninstall_never_touches_a_hook_it_did_not_write()
    {
        using var repo = TempGitRepository.Create();
        repo.WriteFile("branchtasks.json", """{ "database": "foreignonly" }""");
        repo.Commit("init");
        var hook = Path.Combine(repo.Path, ".git", "hooks", "post-checkout");
        File.WriteAllText(hook, "#!/bin/sh\nexit 0\n");
        var uninstall = (await product.ToolAsync(repo.Path, "hooks", "uninstall")).EnsureSuccess("hooks uninstall");
        Assert.Contains("not written by BranchTasks", uninstall.StandardOutput);
        Assert.Equal("#!/bin/sh\nexit 0\n", File.ReadAllText(hook));
    }

    private Task<ProcessResult> Git(string directory, params string[] arguments) =>
        ProcessRunner.RunAsync("git", arguments, directory, product.Environment(), TimeSpan.FromMinutes(1));

    private async Task<JsonElement> WaitForBranchAsync(string directory, string gitBranch)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (true)
        {
            var list = ProductFixture.ParseJson((await product.ToolAsync(directory, "branch", "list", "--json")).EnsureSuccess("branch list"));
            foreach (var item in list.EnumerateArray())
            {
                if (item.GetProperty("gitBranch").GetString() == gitBranch)
                {
                    return item;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"The hook did not create a database branch for '{gitBranch}' within 40 s; branches: {list}");
            await Task.Delay(500);
        }
    }

    private static async Task<string> Mysql(string directory, int port, string sql, string? database = null)
    {
        var arguments = new List<string> { "--host=127.0.0.1", "--port=" + port, "--user=branchtasks_app", "--batch", "--skip-column-names", "-e", sql };
        if (database is not null)
        {
            arguments.Add(database);
        }

        return (await ProcessRunner.RunAsync("mariadb", arguments, directory)).EnsureSuccess("mariadb " + sql).StandardOutput;
    }
}
