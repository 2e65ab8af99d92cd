using System.CommandLine;
using BranchTasks.Core.Daemon;
using BranchTasks.Tool.Platform;

namespace BranchTasks.Tool.Commands;

/// <summary>`branchtasks daemon run`: the daemon itself. Other verbs start it on demand; run it by hand to watch it.</summary>
public static class DaemonCommand
{
    public static Command Create(GlobalOptions options)
    {
        var command = new Command("daemon", "The per-user daemon that holds the tunnels (started on demand).");
        var idle = new Option<double?>("--idle-timeout") { Description = $"Exit after this many idle seconds (default: {DaemonTimeouts.IdleTimeoutVariable}, else {DaemonTimeouts.DefaultIdleTimeout.TotalSeconds:0})." };
        var run = new Command("run", "Run the daemon in the foreground.") { idle };
        run.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            // A state directory that is not private (BT0503) ends here as one clear error, not a stack trace.
            return context.RunAsync(async () =>
            {
                var detached = SessionDetacher.Detach();
                var timeout = parse.GetValue(idle) is { } seconds ? TimeSpan.FromSeconds(seconds) : DaemonTimeouts.IdleTimeoutFromEnvironment();
                using var server = new DaemonServer(context.State, timeout);
                using var terminate = SessionDetacher.OnTerminate(server.RequestShutdown, detached);
                var ran = await server.RunAsync(cancellationToken).ConfigureAwait(false);
                if (!ran && context.Verbose)
                {
                    Console.Error.WriteLine("branchtasks: another daemon already serves " + context.State.Root);
                }

                return 0;
            }, json: false);
        });
        command.Subcommands.Add(run);
        return command;
    }
}
