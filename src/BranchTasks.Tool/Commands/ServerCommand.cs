using System.CommandLine;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Providers;

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
                var response = await context.TrySendAsync(context.Request(DaemonOps.ServerStop), cancellationToken).ConfigureAwait(false);
                if (response is null)
                {
                    // No daemon, so no tunnels: stop the server from here rather than start a daemon to do it.
                    var stopped = await new ProviderFactory(context.State).StopLocalServerAsync(cancellationToken).ConfigureAwait(false);
                    Console.Out.WriteLine(stopped ? "Stopped the private server." : "The private server was not running.");
                    return 0;
                }

                return context.PrintMessage(response);
            }, json: false);
        });
        command.Subcommands.Add(stop);
        return command;
    }
}
