using System.CommandLine;
using BranchTasks.Core.Daemon;

namespace BranchTasks.Tool.Commands;

/// <summary>`branchtasks down [--all]`: close this repository's tunnels, or every tunnel and the daemon.</summary>
public static class DownCommand
{
    public static Command Create(GlobalOptions options)
    {
        var all = new Option<bool>("--all") { Description = "Close every tunnel of every repository and stop the daemon." };
        var command = new Command("down", "Close the tunnels of the current repository.") { all };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            return context.RunAsync(async () =>
            {
                var request = context.Request(DaemonOps.Down);
                request.All = parse.GetValue(all);
                var response = await context.TrySendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response is null)
                {
                    Console.Out.WriteLine("The daemon is not running; there are no tunnels.");
                    return 0;
                }

                return context.PrintMessage(response);
            }, json: false);
        });
        return command;
    }
}
