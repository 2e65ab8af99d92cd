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
        var commandLine = new Argument<string[]>("command") { Description = "The command and its arguments (after --).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("exec", "Ensure the current git branch's database branch and tunnel, then run a command with ConnectionStrings__<name> and DATABASE_URL set to it. Exits with the command's exit code.")
        {
            connectionName,
            commandLine,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            return context.RunAsync(async () =>
            {
                var result = await context.EnsureAsync(parse.GetValue(connectionName), cancellationToken).ConfigureAwait(false);

                var arguments = parse.GetValue(commandLine) ?? [];
                return await RunAsync(arguments, result, cancellationToken).ConfigureAwait(false);
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

    private static Task<int> RunAsync(string[] arguments, EnsureResult result, CancellationToken cancellationToken) =>
        ChildCommand.RunAsync(arguments, environment =>
        {
            // The child gets the tunnel, never the credentials behind it: the daemon already holds what it needs.
            foreach (var name in CredentialEnvironment.Names)
            {
                environment.Remove(name);
            }

            environment["ConnectionStrings__" + result.ConnectionName] = result.ConnectionString;
            environment[DatabaseUrlVariable] = DatabaseUrl(result);
        }, "branchtasks exec -- <command> [args]");
}
