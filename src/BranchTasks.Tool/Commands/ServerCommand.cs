using System.CommandLine;
using BranchTasks.Core.Daemon;

namespace BranchTasks.Tool.Commands;

/// <summary>`branchtasks server stop`: stop the `local` provider's private MariaDB server.</summary>
public static class ServerCommand
{
    public static Command Create(GlobalOptions options)
    {
        var command = new Command("server", "Manage the private database server of the local provider.");
        var stop = new Command("stop", "Stop the private server (its data stays; the next `up` starts it again).");
        stop.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            return context.RunAsync(async () =>
            {
                var response = await context.SendAsync(context.Request(DaemonOps.ServerStop), cancellationToken).ConfigureAwait(false);
                if (!response.Ok)
                {
                    return context.Fail(response.Error!, json: false);
                }

                Console.Out.WriteLine(response.Message);
                return 0;
            }, json: false);
        });
        command.Subcommands.Add(stop);
        return command;
    }
}
