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

    private static async Task<int> RunAsync(string[] arguments, EnsureResult result, CancellationToken cancellationToken)
    {
        if (arguments.Length == 0)
        {
            throw new BranchTasksException(ErrorCodes.InvalidArgument, "No command to run. Usage: branchtasks exec -- <command> [args]");
        }

        var info = new ProcessStartInfo(arguments[0]) { UseShellExecute = false };
        foreach (var argument in arguments.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        // The child gets the tunnel, never the credentials behind it: the daemon already holds what it needs.
        foreach (var name in CredentialEnvironment.Names)
        {
            info.Environment.Remove(name);
        }

        info.Environment["ConnectionStrings__" + result.ConnectionName] = result.ConnectionString;
        info.Environment[DatabaseUrlVariable] = DatabaseUrl(result);

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new BranchTasksException(ErrorCodes.InvalidArgument, $"Could not start '{arguments[0]}'.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BranchTasksException(ErrorCodes.InvalidArgument, $"Could not start '{arguments[0]}': {e.Message}. Check the command name and that it is on PATH.", e);
        }

        using (process)
        {
            // Ctrl+C reaches the child through the terminal; we wait for it to decide, and pass its exit code on.
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
            using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => c.Cancel = true);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true;
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            });
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return process.ExitCode;
        }
    }
}
