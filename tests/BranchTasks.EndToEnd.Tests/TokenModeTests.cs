using System.Text.Json;
using BranchTasks.Testing;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>
/// <c>"localAuth": "token"</c>: the connection string carries the tunnel's password, and it must reach the app
/// through `dotnet run` / `dotnet watch` without appearing in any process's arguments (every user reads those in ps).
/// </summary>
[Collection(ProductCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // /proc, as the acceptance asks
public sealed class TokenModeTests(ProductFixture product)
{
    /// <summary>Connects with the injected string the way any app does, says where and who it is, then stays alive if asked.</summary>
    private const string App = """
        using Microsoft.Extensions.Configuration;
        using MySqlConnector;

        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        await using var connection = new MySqlConnection(configuration.GetConnectionString(configuration["Sample:Name"] ?? "Default"));
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT DATABASE()", connection);
        Console.WriteLine("pid: " + Environment.ProcessId);
        Console.WriteLine("database: " + await command.ExecuteScalarAsync());
        if (configuration["Sample:Stay"] == "true")
        {
            Thread.Sleep(Timeout.Infinite);
        }
        """;

    [Fact]
    public async Task Dotnet_run_gives_the_app_the_token_in_no_process_arguments()
    {
        using var repo = CreateRepository("""{ "provider": "local", "database": "tokenrun", "localAuth": "token" }""");
        await using var run = LiveProcess.Start(Path.Combine(repo.Path, "app"), product.Environment(), "run", "--", "--Sample:Stay=true");

        Assert.Equal("tokenrun_main", await run.WaitForLineAsync("database: ", 1, TimeSpan.FromMinutes(3)));
        AssertTokenOnlyInTheAppsEnvironment(int.Parse(await run.WaitForLineAsync("pid: ", 1, TimeSpan.FromSeconds(10)), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Dotnet_watch_gives_the_app_the_token_in_no_process_arguments()
    {
        using var repo = CreateRepository("""{ "provider": "local", "database": "tokenwatch", "localAuth": "token" }""");
        var environment = product.Environment();
        environment["DOTNET_WATCH_SUPPRESS_EMOJIS"] = "1";
        await using var watch = LiveProcess.Start(Path.Combine(repo.Path, "app"), environment, "watch", "run", "--non-interactive", "--", "--Sample:Stay=true");

        Assert.Equal("tokenwatch_main", await watch.WaitForLineAsync("database: ", 1, TimeSpan.FromMinutes(3)));
        AssertTokenOnlyInTheAppsEnvironment(int.Parse(await watch.WaitForLineAsync("pid: ", 1, TimeSpan.FromSeconds(10)), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_run_command_goes_through_the_launcher_and_the_msbuild_outputs_carry_no_token()
    {
        using var repo = CreateRepository("""{ "provider": "local", "database": "tokenprops", "localAuth": "token" }""");
        var app = Path.Combine(repo.Path, "app");
        (await product.DotnetAsync(app, "build")).EnsureSuccess("dotnet build");
        var properties = ProductFixture.ParseJson((await product.DotnetAsync(app, "msbuild", "-nologo", "-t:ComputeRunArguments",
            "-getProperty:RunCommand", "-getProperty:RunArguments", "-getProperty:BranchTasksConnectionString", "-getProperty:BranchTasksConnectionStringFile")).EnsureSuccess("msbuild")).GetProperty("Properties");

        var tokens = Tokens();
        var connectionString = properties.GetProperty("BranchTasksConnectionString").GetString()!;
        Assert.Contains("Database=tokenprops_main", connectionString);
        Assert.DoesNotContain("password", connectionString, StringComparison.OrdinalIgnoreCase);
        // The run command is the generated script in obj/ that starts the launcher; RunArguments stay the project's own.
        var runCommand = properties.GetProperty("RunCommand").GetString()!;
        Assert.StartsWith(Path.Combine(app, "obj") + Path.DirectorySeparatorChar, runCommand);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(runCommand));
        var script = File.ReadAllText(runCommand);
        Assert.Contains("BranchTasks.launch.sh'", script);
        Assert.Contains("'ConnectionStrings__Default'", script);
        Assert.DoesNotContain(tokens, script.Contains);
        Assert.Equal("", properties.GetProperty("RunArguments").GetString());

        // The file: the user's alone, in the state directory, with the whole string.
        var file = properties.GetProperty("BranchTasksConnectionStringFile").GetString()!;
        Assert.StartsWith(Path.Combine(product.Home, "run") + Path.DirectorySeparatorChar, file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var content = File.ReadAllText(file).TrimEnd('\n');
        var token = Assert.Single(tokens, content.Contains);
        Assert.Equal(connectionString, content.Replace(";Password=" + token, "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_connection_name_that_is_no_shell_variable_goes_through_the_tools_launch_verb()
    {
        // "shop.main" cannot be exported by sh: the bundled tool's `launch` verb (the Windows path too) runs the app.
        using var repo = CreateRepository("""{ "provider": "local", "database": "tokendot", "localAuth": "token", "connectionName": "shop.main" }""");
        var app = Path.Combine(repo.Path, "app");
        var run = (await product.DotnetAsync(app, "run", "--", "--Sample:Name=shop.main")).EnsureSuccess("dotnet run");
        Assert.Contains("database: tokendot_main", run.StandardOutput);

        var properties = ProductFixture.ParseJson((await product.DotnetAsync(app, "msbuild", "-nologo", "-t:ComputeRunArguments", "-getProperty:RunCommand", "-getProperty:RunArguments")).EnsureSuccess("msbuild")).GetProperty("Properties");
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(properties.GetProperty("RunCommand").GetString()));
        var arguments = properties.GetProperty("RunArguments").GetString()!;
        Assert.Contains(" launch --env-file ", arguments);
        Assert.Contains("--var \"ConnectionStrings__shop.main\"", arguments);
        Assert.DoesNotContain(Tokens(), arguments.Contains);
    }

    [Fact]
    public async Task The_launch_verb_sets_the_variable_passes_the_exit_code_and_fails_clearly_without_its_file()
    {
        var folder = Directory.CreateTempSubdirectory("bt-launch-").FullName;
        try
        {
            var file = Path.Combine(folder, "connection.txt");
            const string value = "Server=127.0.0.1;Password=$(not expanded) `x` 'q'";
            File.WriteAllText(file, value + "\n");
            // A name sh could not export (the reason this verb exists on Unix), read back by printenv, not by a shell.
            var printed = await product.ToolAsync(folder, "launch", "--env-file", file, "--var", "Bt.Var", "--", "printenv", "Bt.Var");
            Assert.Equal(value + "\n", printed.EnsureSuccess("launch printenv").StandardOutput);

            var result = await product.ToolAsync(folder, "launch", "--env-file", file, "--var", "Bt_Var", "--", "sh", "-c", "tr '\\0' ' ' < /proc/$$/cmdline; exit 7");
            Assert.True(result.ExitCode == 7, $"exit code {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
            Assert.Contains("/proc/$$/cmdline", result.StandardOutput);
            Assert.DoesNotContain("Password", result.StandardOutput);

            var missing = await product.ToolAsync(folder, "launch", "--env-file", Path.Combine(folder, "gone.txt"), "--var", "X", "--", "sh", "-c", "echo ran");
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("error BT0507", missing.StandardError);
            Assert.Contains(Path.Combine(folder, "gone.txt"), missing.StandardError);
            Assert.DoesNotContain("ran", missing.StandardOutput);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private TempGitRepository CreateRepository(string config)
    {
        var repo = product.CreateAppRepository(config);
        repo.WriteFile("app/Program.cs", App);
        repo.Commit("token app");
        return repo;
    }

    /// <summary>Every token the daemon has handed out in this home (tunnel-tokens.json, 0600).</summary>
    private List<string> Tokens()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(product.Home, "tunnel-tokens.json")));
        var tokens = document.RootElement.EnumerateObject().Select(p => p.Value.GetString()!).ToList();
        Assert.NotEmpty(tokens);
        Assert.All(tokens, t => Assert.True(t.Length >= 32));
        return tokens;
    }

    /// <summary>
    /// No process on the machine has a token in its arguments, while the running app (<paramref name="appPid"/>, seen
    /// by the same scan) has it in its environment, which only its owner can read.
    /// </summary>
    private void AssertTokenOnlyInTheAppsEnvironment(int appPid)
    {
        var tokens = Tokens();
        var scanned = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            string arguments;
            try
            {
                arguments = File.ReadAllText(Path.Combine(directory, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // The process ended while we looked.
            }

            scanned.Add(pid);
            Assert.False(tokens.Any(arguments.Contains), $"A token is in the arguments of process {pid}: {arguments.Replace('\0', ' ')}");
        }

        Assert.Contains(appPid, scanned);
        var environment = File.ReadAllText($"/proc/{appPid}/environ").Split('\0');
        var variable = Assert.Single(environment, v => v.StartsWith("ConnectionStrings__Default=", StringComparison.Ordinal));
        Assert.Contains(tokens, t => variable.EndsWith(";Password=" + t, StringComparison.Ordinal) || variable.Contains(";Password=" + t + ";", StringComparison.Ordinal));
    }
}
