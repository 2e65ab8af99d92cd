using System.CommandLine;
using BranchTasks.Core.Daemon;

namespace BranchTasks.Tool.Commands;

/// <summary>`branchtasks up`: the ensure step by hand, the same one `dotnet run` takes.</summary>
public static class UpCommand
{
    public static Command Create(GlobalOptions options)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object: gitBranch, branch, database, host, port, connectionString, provider." };
        var connectionName = new Option<string?>("--connection-name") { Description = "Report this connection name instead of the configured connectionName." };
        var command = new Command("up", "Create the current git branch's database branch if needed, open a tunnel to it, and print how to connect.") { json, connectionName };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            var asJson = parse.GetValue(json);
            return context.RunAsync(async () =>
            {
                var result = await context.EnsureAsync(parse.GetValue(connectionName), cancellationToken, announceCreated: !asJson).ConfigureAwait(false);
                if (asJson)
                {
                    CommandContext.WriteJson(result, CliJson.Context.EnsureResult);
                }
                else
                {
                    Console.Out.WriteLine($"git branch '{result.GitBranch}' -> database branch '{result.Branch}' ({result.Database}, {result.Provider}) at {result.Host}:{result.Port}");
                    Console.Out.WriteLine($"ConnectionStrings:{result.ConnectionName} = {result.ConnectionString}");
                }

                return 0;
            }, asJson);
        });
        return command;
    }
}
