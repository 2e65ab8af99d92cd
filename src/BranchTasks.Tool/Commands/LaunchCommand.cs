using BranchTasks.Tool.Platform;
using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using BranchTasks.Core.Errors;

namespace BranchTasks.Tool.Commands;

/// <summary>
/// `branchtasks launch --env-file F --var V -- command [args]`: runs the command with the environment variable V set
/// to the first line of F, and exits with its exit code. The token-mode launcher of BranchTasks.targets where the
/// POSIX sh one cannot serve (Windows; a connection name that is no shell variable name): the connection string,
/// password included, travels in a 0600 file and the child's environment, never in any process's arguments.
/// </summary>
public static class LaunchCommand
{
    public static Command Create(GlobalOptions options)
    {
        var envFile = new Option<string>("--env-file") { Description = "The file whose first line is the value (written by the ensure step, mode 0600).", Required = true };
        var variable = new Option<string>("--var") { Description = "The environment variable to set, e.g. ConnectionStrings__Default.", Required = true };
        var commandLine = new Argument<string[]>("command") { Description = "The command and its arguments (after --).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("launch", "Run a command with an environment variable read from a file, so that its value is in no process's arguments (used by `dotnet run` in \"localAuth\": \"token\" mode). Exits with the command's exit code.")
        {
            envFile,
            variable,
            commandLine,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            return context.RunAsync(() => RunAsync(parse.GetValue(envFile)!, parse.GetValue(variable)!, parse.GetValue(commandLine) ?? []), json: false);
        });
        return command;
    }

    private static Task<int> RunAsync(string file, string variable, string[] arguments)
    {
        var value = arguments.Length == 0 ? "" : ReadValue(file);
        return ChildCommand.RunAsync(arguments, environment => environment[variable] = value, "branchtasks launch --env-file <file> --var <name> -- <command> [args]");
    }

    private static string ReadValue(string file)
    {
        string? value = null;
        try
        {
            using var reader = new StreamReader(file);
            value = reader.ReadLine();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Reported below with the same message as a missing file.
        }

        if (string.IsNullOrEmpty(value))
        {
            throw new BranchTasksException(
                ErrorCodes.LaunchConnectionFileMissing,
                $"The connection string file '{file}' is missing or empty. The ensure step of `dotnet run` writes it on every run (\"localAuth\": \"token\"); run `dotnet run` again, and make sure nothing deletes files in BranchTasks' state directory while the app starts.");
        }

        return value;
    }
}
