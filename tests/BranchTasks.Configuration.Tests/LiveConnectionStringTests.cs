extern alias btconfig;
using System.Collections.Concurrent;
using System.Diagnostics;
using BranchTasks.Testing;
using btconfig::BranchTasks.Configuration;
using btconfig::Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using MySqlConnector;

namespace BranchTasks.Configuration.Tests;

public sealed class ConnectionStringsOptions
{
    public string? Shop { get; set; }
}

/// <summary>AddBranchTasks() in a live configuration: a git checkout reaches IConfiguration and IOptionsMonitor without a restart.</summary>
[Trait(TestTraits.Needs, TestTraits.Server)]
public sealed class LiveConnectionStringTests(DaemonFixture daemon) : IClassFixture<DaemonFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_checkout_switches_the_connection_string_within_two_seconds_and_wins_over_command_line_values()
    {
        using var repo = TempGitRepository.Create();
        repo.WriteFile("branchtasks.json", """{ "provider": "local", "database": "cfglive", "connectionName": "Shop" }""");
        repo.Commit("config");
        var changes = new ConcurrentQueue<BranchTasksChange>();

        using var configuration = (ConfigurationRoot)new ConfigurationBuilder()
            .AddCommandLine(["--ConnectionStrings:Shop=Server=injected;Database=wrong"])
            .AddBranchTasks(o =>
            {
                o.Directory = repo.Path;
                o.StateDirectory = daemon.Root;
                o.OnChange = changes.Enqueue;
            })
            .Build();
        var services = new ServiceCollection();
        services.AddOptions<ConnectionStringsOptions>().Bind(configuration.GetSection("ConnectionStrings"));
        await using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<ConnectionStringsOptions>>();

        var main = configuration["ConnectionStrings:Shop"];
        Assert.True(main is not null && !main.Contains("injected", StringComparison.Ordinal), $"value: {main}; changes: {string.Join("; ", changes)}");
        Assert.Equal("cfglive_main", await DatabaseOfAsync(main));
        Assert.Equal(main, monitor.CurrentValue.Shop);
        await ExecuteAsync(main, "CREATE TABLE items (id INT); INSERT INTO items VALUES (1);");

        var reloads = 0;
        using var subscription = ChangeToken.OnChange(configuration.GetReloadToken, () => Interlocked.Increment(ref reloads));
        var monitored = new ConcurrentQueue<string?>();
        using var onChange = monitor.OnChange(value => monitored.Enqueue(value.Shop));

        var watch = Stopwatch.StartNew();
        repo.Run("checkout", "-q", "-b", "other");
        var other = await WaitForChangeAsync(() => monitor.CurrentValue.Shop, main);
        // The monitor recomputes its value before it calls its listeners, so a poll can see the value first.
        await WaitForChangeAsync(() => monitored.Contains(other) ? other : main, main);
        watch.Stop();
        Assert.True(watch.Elapsed <= Limit, $"took {watch.Elapsed}");
        Assert.Equal(other, configuration["ConnectionStrings:Shop"]);
        Assert.True(reloads >= 1);
        Assert.Equal("cfglive_other", await DatabaseOfAsync(other!));
        Assert.Equal("1", (await ScalarAsync(other!, "SELECT COUNT(*) FROM items"))?.ToString());

        watch.Restart();
        repo.Run("checkout", "-q", "main");
        var back = await WaitForChangeAsync(() => monitor.CurrentValue.Shop, other);
        Assert.True(watch.Elapsed <= Limit, $"took {watch.Elapsed}");
        Assert.Equal("cfglive_main", await DatabaseOfAsync(back!));
    }

    [Fact]
    public void Not_required_and_not_starting_the_daemon_the_injected_value_stays_and_the_problem_is_reported()
    {
        using var repo = TempGitRepository.Create();
        repo.WriteFile("branchtasks.json", """{ "database": "cfgnodaemon", "connectionName": "Shop" }""");
        repo.Commit("config");
        var changes = new ConcurrentQueue<BranchTasksChange>();
        var log = new ConcurrentQueue<string>();
        var emptyHome = repo.SiblingPath("home");
        using var configuration = (ConfigurationRoot)new ConfigurationBuilder()
            .AddCommandLine(["--ConnectionStrings:Shop=Server=injected"])
            .AddBranchTasks(o =>
            {
                o.Directory = repo.Path;
                o.StateDirectory = emptyHome;
                o.StartDaemon = false;
                o.Required = false;
                o.OnChange = changes.Enqueue;
                o.Log = log.Enqueue;
            })
            .Build();
        Assert.Equal("Server=injected", configuration["ConnectionStrings:Shop"]);
        Assert.Contains(changes, c => c.Error is not null && c.Error.Contains("error BT0501: The BranchTasks daemon is not running", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("BranchTasks: error BT0501:", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(emptyHome, "daemon.pid")));
    }

    [Fact]
    public void Not_starting_the_daemon_but_required_it_throws_BT0501()
    {
        using var repo = TempGitRepository.Create();
        repo.WriteFile("branchtasks.json", """{ "database": "cfgnodaemon2" }""");
        repo.Commit("config");
        var e = Assert.Throws<BranchTasksConfigurationException>(() => new ConfigurationBuilder()
            .AddBranchTasks(o =>
            {
                o.Directory = repo.Path;
                o.StateDirectory = repo.SiblingPath("home");
                o.StartDaemon = false;
                o.Log = null;
            })
            .Build());
        Assert.Equal("BT0501", e.Code);
        Assert.Contains("branchtasks up", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_a_repository_it_adds_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("bt-cfg-norepo-").FullName;
        try
        {
            using var configuration = (ConfigurationRoot)new ConfigurationBuilder().AddBranchTasks(o => o.Directory = folder).Build();
            Assert.Null(configuration["ConnectionStrings:Default"]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string?> WaitForChangeAsync(Func<string?> read, string? old)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var value = read();
            if (value != old)
            {
                return value;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The connection string did not change within 30 s.");
    }

    private static async Task<string?> DatabaseOfAsync(string connectionString) => (string?)await ScalarAsync(connectionString, "SELECT DATABASE()");

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
