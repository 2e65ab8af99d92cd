extern alias btconfig;
using System.Collections.Concurrent;
using System.Reflection;
using BranchTasks.Testing;
using btconfig::BranchTasks.Configuration;
using btconfig::Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration;
using MySqlConnector;

namespace BranchTasks.Configuration.Tests;

/// <summary>
/// AddBranchTasks() where no `dotnet run` started BranchTasks (F5, Test Explorer, dotnet test, dotnet ef): it starts
/// the daemon with the real tool, or fails with one BTxxxx exception that says how to fix it.
/// </summary>
public sealed class ColdStartTests : IDisposable
{
    private static readonly string BuiltTool = typeof(ColdStartTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BranchTasksToolUnderTest").Value!;

    private readonly TempGitRepository _repo = TempGitRepository.Create();
    private readonly List<string> _homes = [];

    [Fact]
    public async Task With_no_daemon_running_the_first_load_starts_one_that_outlives_the_app_and_provides_the_branch()
    {
        _repo.WriteFile("branchtasks.json", """{ "provider": "local", "database": "cfgcold", "connectionName": "Shop" }""");
        _repo.Commit("config");
        var home = NewHome();
        var log = new ConcurrentQueue<string>();

        using (var configuration = (ConfigurationRoot)new ConfigurationBuilder()
            .AddBranchTasks(o =>
            {
                o.Directory = _repo.Path;
                o.StateDirectory = home;
                o.ToolPath = BuiltTool;
                o.Log = log.Enqueue;
            })
            .Build())
        {
            var connectionString = configuration["ConnectionStrings:Shop"];
            Assert.True(connectionString is not null, string.Join("\n", log));
            Assert.Equal("cfgcold_main", await ScalarAsync(connectionString, "SELECT DATABASE()"));
        }

        Assert.Contains(log, l => l.StartsWith("BranchTasks: no daemon is running; starting it", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("BranchTasks: main \u2192 cfgcold_main (127.0.0.1:", StringComparison.Ordinal));

        // The daemon is the tool's child, not ours: stopping the app (or killing its process tree) leaves the tunnels up.
        var pid = int.Parse(File.ReadAllText(Path.Combine(home, "daemon.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        if (OperatingSystem.IsLinux())
        {
            Assert.NotEqual(Environment.ProcessId, ParentOf(pid));
        }


        // A second app (the next F5) finds it running: no second start. (The daemon's HEAD watcher may have created the branch already.)
        _repo.Run("checkout", "-q", "-b", "feature/cold");
        log.Clear();
        using var second = (ConfigurationRoot)new ConfigurationBuilder()
            .AddBranchTasks(o =>
            {
                o.Directory = _repo.Path;
                o.StateDirectory = home;
                o.ToolPath = BuiltTool;
                o.Log = log.Enqueue;
            })
            .Build();
        Assert.StartsWith("cfgcold_feature_cold", (await ScalarAsync(second["ConnectionStrings:Shop"], "SELECT DATABASE()"))?.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(log, l => l.Contains("starting it", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_server_binaries_the_first_load_throws_the_BranchTasks_error_instead_of_leaving_the_value_unset()
    {
        _repo.WriteFile("branchtasks.json", """{ "provider": "local", "database": "cfgnobin", "local": { "serverPath": "/nowhere/mariadbd" } }""");
        _repo.Commit("config");
        var home = NewHome();

        var e = Assert.Throws<BranchTasksConfigurationException>(() => new ConfigurationBuilder()
            .AddBranchTasks(o =>
            {
                o.Directory = _repo.Path;
                o.StateDirectory = home;
                o.ToolPath = BuiltTool;
                o.Log = null;
            })
            .Build());
        Assert.Equal("BT0401", e.Code);
        Assert.StartsWith("error BT0401: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("/nowhere/mariadbd", e.Message, StringComparison.Ordinal);
        Assert.Contains("Required = false", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_no_tool_anywhere_it_throws_BT0801_saying_where_it_looked_and_how_to_fix()
    {
        _repo.WriteFile("branchtasks.json", """{ "database": "cfgnotool" }""");
        _repo.Commit("config");
        var missing = _repo.SiblingPath("no/branchtasks.dll");
        ToolLocator.PathForTests = _repo.SiblingPath("empty-path");
        try
        {
            var e = Assert.Throws<BranchTasksConfigurationException>(() => new ConfigurationBuilder()
                .AddBranchTasks(o =>
                {
                    o.Directory = _repo.Path;
                    o.StateDirectory = NewHome();
                    o.ToolPath = missing;
                    o.Log = null;
                })
                .Build());
            Assert.Equal("BT0801", e.Code);
            Assert.Contains(missing, e.Message, StringComparison.Ordinal);
            Assert.Contains("branchtasks on the PATH", e.Message, StringComparison.Ordinal);
            Assert.Contains("o.ToolPath", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            ToolLocator.PathForTests = null;
        }
    }

    [Fact]
    public void A_tool_that_other_users_can_write_is_not_run()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _repo.WriteFile("branchtasks.json", """{ "database": "cfgtrust" }""");
        _repo.Commit("config");
        var marker = _repo.SiblingPath("ran");
        var tool = FakeTool($"#!/bin/sh\necho ran > '{marker}'\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.GroupRead);

        var e = Assert.Throws<BranchTasksConfigurationException>(() => new ConfigurationBuilder()
            .AddBranchTasks(o =>
            {
                o.Directory = _repo.Path;
                o.StateDirectory = NewHome();
                o.ToolPath = tool;
                o.Log = null;
            })
            .Build());
        Assert.Equal("BT0803", e.Code);
        Assert.Contains("writable by other users", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Not_required_a_failed_start_is_reported_once_and_not_tried_again_on_every_poll()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _repo.WriteFile("branchtasks.json", """{ "database": "cfgonce" }""");
        _repo.Commit("config");
        var tool = FakeTool("#!/bin/sh\nexit 1\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherWrite);
        var changes = new ConcurrentQueue<BranchTasksChange>();

        using var configuration = (ConfigurationRoot)new ConfigurationBuilder()
            .AddBranchTasks(o =>
            {
                o.Directory = _repo.Path;
                o.StateDirectory = NewHome();
                o.ToolPath = tool;
                o.Required = false;
                o.PollInterval = TimeSpan.FromMilliseconds(20);
                o.OnChange = changes.Enqueue;
                o.Log = null;
            })
            .Build();
        Assert.Null(configuration["ConnectionStrings:Default"]);
        await Task.Delay(500);
        Assert.Single(changes, c => c.Error is not null && c.Error.StartsWith("error BT0803: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_start_that_takes_longer_than_RequestTimeout_fails_with_BT0802_naming_the_option()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _repo.WriteFile("branchtasks.json", """{ "database": "cfgslow" }""");
        _repo.Commit("config");
        var tool = FakeTool("#!/bin/sh\nsleep 60\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = new ConcurrentQueue<string>();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var e = Assert.Throws<BranchTasksConfigurationException>(() => new ConfigurationBuilder()
            .AddBranchTasks(o =>
            {
                o.Directory = _repo.Path;
                o.StateDirectory = NewHome();
                o.ToolPath = tool;
                o.RequestTimeout = TimeSpan.FromSeconds(1);
                o.Log = log.Enqueue;
            })
            .Build());
        Assert.Equal("BT0802", e.Code);
        Assert.Contains("RequestTimeout", e.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        Assert.Contains(log, l => l.StartsWith("BranchTasks: no daemon is running; starting it", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("BranchTasks: error BT0802:", StringComparison.Ordinal));
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private string FakeTool(string script, UnixFileMode mode)
    {
        var folder = _repo.SiblingPath("tool-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(folder, "branchtasks");
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private string NewHome()
    {
        var home = _repo.SiblingPath("home" + _homes.Count);
        // Private like a state directory must be: the daemon refuses one other users can enter (BT0503).
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(home);
        }
        else
        {
            Directory.CreateDirectory(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _homes.Add(home);
        return home;
    }

    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<object?> ScalarAsync(string? connectionString, string sql)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString ?? "") { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public void Dispose()
    {
        // Every daemon and server these tests started, by their own state directory.
        foreach (var home in _homes.Where(h => File.Exists(Path.Combine(h, "daemon.pid"))))
        {
            var environment = new Dictionary<string, string?> { ["BRANCHTASKS_HOME"] = home };
            ProcessRunner.RunAsync("dotnet", ["exec", BuiltTool, "server", "stop"], _repo.Path, environment, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
            ProcessRunner.RunAsync("dotnet", ["exec", BuiltTool, "down", "--all"], _repo.Path, environment, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        }

        _repo.Dispose();
    }
}
