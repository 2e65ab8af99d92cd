using BranchTasks.Tool.Platform;
using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;
using MySqlConnector;

namespace BranchTasks.Tool.Commands;

/// <summary>
/// `branchtasks exec -- &lt;command&gt; [args]`: the ensure step of `up`, then the command with
/// <c>ConnectionStrings__&lt;name&gt;</c> and <c>DATABASE_URL</c> set and the provider credentials removed; its exit code is ours.
/// </summary>
public static class ExecCommand
{
    public const string DatabaseUrlVariable = "DATABASE_URL";

    public static Command Create(GlobalOptions options)
    {
        var connectionName = new Option<string?>("--connection-name") { Description = "Set ConnectionStrings__<this name> instead of the configured connectionName." };
        var ephemeral = new Option<bool>("--ephemeral") { Description = "Run against a throw-away clone of the branch, deleted afterwards (also when the command fails or is interrupted)." };
        var branch = new Option<string?>("--branch") { Description = "With --ephemeral: clone this branch (a database or git branch name) instead of the current one." };
        var commandLine = new Argument<string[]>("command") { Description = "The command and its arguments (after --).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("exec", "Ensure the current git branch's database branch and tunnel, then run a command with ConnectionStrings__<name> and DATABASE_URL set to it. Exits with the command's exit code.")
        {
            connectionName,
            ephemeral,
            branch,
            commandLine,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            return context.RunAsync(async () =>
            {
                var arguments = parse.GetValue(commandLine) ?? [];
                if (parse.GetValue(ephemeral))
                {
                    return await EphemeralRun.RunAsync(context, parse.GetValue(branch), parse.GetValue(connectionName), arguments).ConfigureAwait(false);
                }

                if (parse.GetValue(branch) is not null)
                {
                    throw new BranchTasksException(ErrorCodes.InvalidArgument, "--branch goes with --ephemeral (it names the branch to clone). To run against another git branch's database, set BRANCHTASKS_BRANCH.");
                }

                var result = await context.EnsureAsync(parse.GetValue(connectionName), cancellationToken).ConfigureAwait(false);
                return await RunAsync(arguments, result, signals: null).ConfigureAwait(false);
            }, json: false);
        });
        return command;
    }

    /// <summary><c>mysql://user@127.0.0.1:port/database</c>: no password, the tunnel holds it.</summary>
    public static string DatabaseUrl(EnsureResult result)
    {
        var user = new MySqlConnectionStringBuilder(result.ConnectionString).UserID;
        return $"mysql://{Uri.EscapeDataString(user)}@{result.Host}:{result.Port}/{Uri.EscapeDataString(result.Database)}";
    }

    internal static Task<int> RunAsync(string[] arguments, EnsureResult result, SignalForwarder? signals) =>
        ChildCommand.RunAsync(arguments, environment => SetEnvironment(environment, result), "branchtasks exec -- <command> [args]", signals);

    /// <summary>
    /// What the child gets: the tunnel, never the credentials behind it (the daemon already holds what it needs).
    /// MYSQL_HOST and MYSQL_TCP_PORT are read by the mariadb and mysql clients; they read no variable for the
    /// database, so MYSQL_DATABASE is for scripts and tools that follow that (Docker's) convention.
    /// </summary>
    internal static void SetEnvironment(IDictionary<string, string?> environment, EnsureResult result)
    {
        foreach (var name in CredentialEnvironment.Names)
        {
            environment[name] = null;
        }

        environment["ConnectionStrings__" + result.ConnectionName] = result.ConnectionString;
        environment[DatabaseUrlVariable] = DatabaseUrl(result);
        environment["MYSQL_HOST"] = result.Host;
        environment["MYSQL_TCP_PORT"] = result.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["MYSQL_DATABASE"] = result.Database;
    }
}
