using System.CommandLine;
using System.CommandLine.Parsing;
using System.Security.Cryptography;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;
using BranchTasks.Core.Providers;
using BranchTasks.Tool.Platform;
using MySqlConnector;

namespace BranchTasks.Tool.Commands;

/// <summary>
/// `branchtasks shell [branch] [-- client arguments]`: the mariadb (or mysql) client on the branch, through its tunnel.
/// </summary>
/// <remarks>
/// A token-mode tunnel's password goes to the client in a 0600 option file (--defaults-extra-file) that is deleted
/// when the client exits, not in MYSQL_PWD: an environment variable is inherited by everything the client starts
/// (its `system` command, a pager) and MySQL itself calls it insecure, while the file is read once, by the client alone,
/// from a folder only the user may enter. Neither puts the password in any process's arguments.
/// </remarks>
public static class ShellCommand
{
    public static readonly string[] ClientNames = ["mariadb", "mysql"];

    public static Command Create(GlobalOptions options)
    {
        var connectionName = new Option<string?>("--connection-name") { Description = "Use this connection name instead of the configured connectionName." };
        var arguments = new Argument<string[]>("arguments") { Description = "[branch] -- [client arguments]: a git branch name (default: the current one), then arguments for the client after --.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("shell", "Open the mariadb (or mysql) client on the branch's database through its tunnel (ensured first, like `exec`). Arguments after -- go to the client, e.g. -e 'SELECT 1'; SQL can also come on stdin.")
        {
            connectionName,
            arguments,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            return context.RunAsync(async () =>
            {
                var (branch, clientArguments) = Split(parse, parse.GetValue(arguments) ?? []);
                var client = FindClient(Environment.GetEnvironmentVariable("PATH"));
                var result = branch is null
                    ? await context.EnsureAsync(parse.GetValue(connectionName), cancellationToken).ConfigureAwait(false)
                    : await context.EnsureAsync(parse.GetValue(connectionName), cancellationToken, gitBranch: branch).ConfigureAwait(false);
                return await RunClientAsync(context, client, result, clientArguments).ConfigureAwait(false);
            }, json: false);
        });
        return command;
    }

    /// <summary>The words before -- (at most one: the branch) and after it (the client's).</summary>
    private static (string? Branch, string[] ClientArguments) Split(ParseResult parse, string[] values)
    {
        var before = 0;
        foreach (var token in parse.Tokens)
        {
            if (token.Type == TokenType.DoubleDash)
            {
                break;
            }

            if (token.Type == TokenType.Argument)
            {
                before++;
            }
        }

        before = Math.Min(before, values.Length);
        if (before > 1)
        {
            throw new BranchTasksException(ErrorCodes.InvalidArgument, $"`branchtasks shell` takes at most one branch before --, got: {string.Join(' ', values.Take(before))}. Put the client's arguments after --, e.g. `branchtasks shell -- -e 'SELECT 1'`.");
        }

        return (before == 1 ? values[0] : null, values[before..]);
    }

    /// <summary>The first of mariadb, mysql on <paramref name="path"/>; BT0605 with how to install one when neither is.</summary>
    public static string FindClient(string? path)
    {
        var folders = (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in ClientNames)
        {
            var file = OperatingSystem.IsWindows() ? name + ".exe" : name;
            foreach (var folder in folders)
            {
                var candidate = Path.Combine(folder, file);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        var install = OperatingSystem.IsWindows() ? "winget install MariaDB.Server (it includes mariadb.exe), then open a new terminal"
            : OperatingSystem.IsMacOS() ? "brew install mariadb (or brew install mysql-client)"
            : "sudo apt-get install mariadb-client (Debian, Ubuntu), sudo dnf install mariadb (Fedora, RHEL) or your distribution's mariadb/mysql client package";
        throw new BranchTasksException(
            ErrorCodes.SqlClientNotFound,
            $"Neither the mariadb nor the mysql command-line client is on the PATH, and `branchtasks shell` runs one of them. Install it: {install}. " +
            "Or connect any other client to the address `branchtasks up` prints.");
    }

    private static async Task<int> RunClientAsync(CommandContext context, string client, Core.Ensure.EnsureResult result, string[] clientArguments)
    {
        var connection = new MySqlConnectionStringBuilder(result.ConnectionString);
        string? optionFile = null;
        var commandLine = new List<string> { client };
        try
        {
            if (!string.IsNullOrEmpty(connection.Password))
            {
                // Must be the client's first argument.
                optionFile = WriteOptionFile(context, connection.Password);
                commandLine.Add("--defaults-extra-file=" + optionFile);
            }

            commandLine.Add("--host=" + result.Host);
            commandLine.Add("--port=" + result.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            commandLine.Add("--user=" + connection.UserID);
            commandLine.Add("--database=" + result.Database);
            commandLine.AddRange(clientArguments);
            return await ChildCommand.RunAsync([.. commandLine], environment =>
            {
                foreach (var name in CredentialEnvironment.Names)
                {
                    environment[name] = null;
                }
            }, "branchtasks shell [branch] [-- client arguments]").ConfigureAwait(false);
        }
        finally
        {
            if (optionFile is not null)
            {
                File.Delete(optionFile);
            }
        }
    }

    private static string WriteOptionFile(CommandContext context, string password)
    {
        var folder = context.State.EnsureDirectory("shell");
        var file = Path.Combine(folder, "client-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + ".cnf");
        // The token is letters and digits only (the tunnel makes it), so it needs no quoting in an option file.
        PrivateFile.Write(file, "[client]\npassword=" + password + "\n");
        return file;
    }
}
