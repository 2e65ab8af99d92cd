using System.CommandLine;
using BranchTasks.Core.Daemon;

namespace BranchTasks.Tool.Commands;

/// <summary>`branchtasks status [--json]`: the daemon and every tunnel it holds.</summary>
public static class StatusCommand
{
    public static Command Create(GlobalOptions options)
    {
        var json = new Option<bool>("--json") { Description = "Print the daemon and its tunnels as JSON." };
        var command = new Command("status", "Show the daemon and every tunnel it holds.") { json };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            var asJson = parse.GetValue(json);
            return context.RunAsync(async () =>
            {
                var response = await context.TrySendAsync(context.Request(DaemonOps.Status), cancellationToken).ConfigureAwait(false);
                if (response is null)
                {
                    if (asJson)
                    {
                        CommandContext.WriteJson(new StatusStoppedOutput(false, []));
                    }
                    else
                    {
                        Console.Out.WriteLine("The daemon is not running.");
                    }

                    return 0;
                }

                if (!response.Ok || response.Status is null)
                {
                    return context.Fail(response.Error ?? new DaemonError { Code = "BT0001", Message = "The daemon gave no status." }, asJson);
                }

                var status = response.Status;
                if (asJson)
                {
                    CommandContext.WriteJson(new StatusOutput(true, status.ProcessId, status.StartedAt, status.Version, status.Tunnels));
                    return 0;
                }

                Console.Out.WriteLine($"Daemon {status.ProcessId} (version {status.Version}), up since {status.StartedAt:u}, {status.Tunnels.Count} tunnel(s).");
                foreach (var tunnel in status.Tunnels)
                {
                    Console.Out.WriteLine($"  {tunnel.Host}:{tunnel.Port} -> {tunnel.Database} on {(tunnel.UpstreamSocket is { } socket ? "unix:" + socket : $"{tunnel.UpstreamHost}:{tunnel.UpstreamPort}")} [{tunnel.Provider}] branch '{tunnel.Branch}', {tunnel.OpenConnections} open, {tunnel.TotalConnections} total");
                    if (tunnel.UpstreamError is not null)
                    {
                        Console.Out.WriteLine($"    upstream error: {tunnel.UpstreamError}");
                    }

                    // Which work trees use it: what `down` in one of them closes.
                    Console.Out.WriteLine(tunnel.Repositories.Count == 0
                        ? "    repositories: none"
                        : "    repositories: " + string.Join(", ", tunnel.Repositories));
                }

                return 0;
            }, asJson);
        });
        return command;
    }
}
