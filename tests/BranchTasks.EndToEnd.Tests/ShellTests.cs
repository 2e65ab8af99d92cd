using System.Diagnostics;
using BranchTasks.Testing;
using MySqlConnector;

namespace BranchTasks.EndToEnd.Tests;

/// <summary>`branchtasks shell`: the mariadb client on the branch, through its tunnel, with no secret in any arguments.</summary>
[Collection(ProductCollection.Name)]
public sealed class ShellTests(ProductFixture product)
{
    [Fact]
    public async Task Shell_runs_client_arguments_and_stdin_on_the_branch_with_the_token_in_no_process_arguments()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "shellq", "localAuth": "token" }""");
        repo.Run("checkout", "-q", "-b", "featureshell");
        var up = ProductFixture.ParseJson((await product.ToolAsync(repo.Path, "up", "--json")).EnsureSuccess("up"));
        var token = new MySqlConnectionStringBuilder(up.GetProperty("connectionString").GetString()!).Password;
        Assert.False(string.IsNullOrEmpty(token));

        var query = (await product.ToolAsync(repo.Path, "shell", "--", "--batch", "--skip-column-names", "-e", "SELECT DATABASE()")).EnsureSuccess("shell -e");
        Assert.Equal("shellq_featureshell", query.StandardOutput.Trim());

        // A named branch, and SQL on stdin.
        var piped = (await ProcessRunner.RunAsync("sh", ["-c", "printf 'SELECT DATABASE(), 40+2;\\n' | dotnet exec \"$0\" shell main -- --batch --skip-column-names", product.ToolPath], repo.Path, product.Environment()))
            .EnsureSuccess("shell with stdin");
        Assert.Equal("shellq_main\t42", piped.StandardOutput.Trim());

        // While the client runs: its arguments name an option file, never the token; the file is the user's alone.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        await using var client = LiveProcess.Start(repo.Path, product.Environment(), "exec", product.ToolPath, "shell", "--", "-e", "SELECT SLEEP(120)");
        var commandLine = await FindClientCommandLineAsync(client);
        Assert.DoesNotContain(token, commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain("password", commandLine, StringComparison.OrdinalIgnoreCase);
        var optionFile = commandLine.Split('\0').Single(a => a.StartsWith("--defaults-extra-file=", StringComparison.Ordinal))["--defaults-extra-file=".Length..];
        Assert.StartsWith(product.Home, optionFile, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(optionFile));
    }

    [Fact]
    public async Task Shell_without_a_client_installed_says_how_to_install_one()
    {
        using var repo = product.CreateAppRepository("""{ "provider": "local", "database": "shellnone" }""");
        var empty = Directory.CreateTempSubdirectory("bt-empty-path-").FullName;
        try
        {
            var dotnet = DotnetExecutable();
            var environment = product.Environment();
            environment["PATH"] = empty + Path.PathSeparator + Path.GetDirectoryName(dotnet);
            var result = await ProcessRunner.RunAsync(dotnet, ["exec", product.ToolPath, "shell", "--", "-e", "SELECT 1"], repo.Path, environment);
            Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}\n{result.Combined}");
            Assert.Contains("error BT0605", result.StandardError);
            Assert.Contains("mariadb", result.StandardError);
            Assert.Contains("install", result.StandardError);
            Assert.DoesNotContain("   at ", result.StandardError);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    /// <summary>The real dotnet program (not a symlink on the PATH, whose folder may hold a mariadb too).</summary>
    private static string DotnetExecutable()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, "dotnet"))
            .First(File.Exists);
        return new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath;
    }

    /// <summary>The NUL-separated arguments of the client the shell under <paramref name="shell"/> started, once it runs.</summary>
    private static async Task<string> FindClientCommandLineAsync(LiveProcess shell)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            foreach (var folder in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(folder), out _))
                {
                    continue;
                }

                try
                {
                    var status = await File.ReadAllTextAsync(Path.Combine(folder, "status"));
                    var parent = status.Split('\n').FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal))?["PPid:".Length..].Trim();
                    if (parent == shell.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    {
                        var commandLine = await File.ReadAllTextAsync(Path.Combine(folder, "cmdline"));
                        if (commandLine.Contains("--defaults-extra-file=", StringComparison.Ordinal))
                        {
                            return commandLine;
                        }
                    }
                }
                catch (IOException)
                {
                    // A process that ended while we looked.
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No client process under the shell:\n" + shell.Output);
    }
}
