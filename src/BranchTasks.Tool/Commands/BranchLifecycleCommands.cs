using System.CommandLine;
using System.Text.Json;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;

namespace BranchTasks.Tool.Commands;

/// <summary>`branchtasks branch prune|reset|diff`.</summary>
public static class BranchLifecycleCommands
{
    public static Command Prune(GlobalOptions options)
    {
        var json = new Option<bool>("--json") { Description = "Print {\"deleted\": bool, \"branches\": [...]} (items as `branch list --json`)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Delete the listed branches (without it, prune only lists them)." };
        var command = new Command("prune", "List (or with --yes delete) database branches the tool created whose git branch no longer exists, and throw-away branches (exec --ephemeral) of runs that ended without deleting theirs. Protected branches, the parent's branch and databases the tool did not create are never touched.") { yes, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            var asJson = parse.GetValue(json);
            return context.RunAsync(async () =>
            {
                var request = context.WorkspaceRequest(DaemonOps.BranchPrune);
                request.Confirmed = parse.GetValue(yes);
                var response = await context.SendCheckedAsync(request, cancellationToken).ConfigureAwait(false);

                var branches = response.Branches ?? [];
                if (asJson)
                {
                    CommandContext.WriteJson(new PruneOutput(request.Confirmed, branches));
                    return 0;
                }

                foreach (var branch in branches)
                {
                    var why = branch.GitBranch is null ? "throw-away branch of a run that ended" : $"git branch '{branch.GitBranch}' is gone";
                    Console.Out.WriteLine($"{(request.Confirmed ? "deleted" : "stale")}  {branch.Branch,-30} {branch.Database,-40} {why}");
                }

                Console.Out.WriteLine(response.Message);
                return 0;
            }, asJson);
        });
        return command;
    }

    public static Command Reset(GlobalOptions options)
    {
        var json = new Option<bool>("--json") { Description = "Print the re-created branch as JSON." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required when stdin is not a terminal)." };
        var name = new Argument<string>("name") { Description = "A database branch name (as `branch list` shows) or a git branch name." };
        var command = new Command("reset", "Replace a database branch with a fresh clone of its parent (all its changes are lost). The new copy is made first; if that fails the branch is left as it was. Protected branches are refused.") { name, yes, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            var asJson = parse.GetValue(json);
            return context.RunAsync(async () =>
            {
                var request = context.WorkspaceRequest(DaemonOps.BranchReset);
                request.Name = parse.GetValue(name);
                if (!CommandContext.Confirm(
                    parse.GetValue(yes),
                    $"`branch reset` drops database branch '{request.Name}' and all its changes, and stdin is not a terminal to confirm it. Pass --yes to reset without asking.",
                    $"Reset database branch '{request.Name}' from its parent? Every change in it is lost.",
                    "Not reset."))
                {
                    return 1;
                }

                var response = await context.SendCheckedAsync(request, cancellationToken).ConfigureAwait(false);
                var branch = response.BranchInfo ?? throw new BranchTasksException(ErrorCodes.Unexpected, "The daemon answered without the branch.");

                if (asJson)
                {
                    CommandContext.WriteJson(branch);
                }
                else
                {
                    Console.Out.WriteLine(response.Message);
                }

                return 0;
            }, asJson);
        });
        return command;
    }

    public static Command Diff(GlobalOptions options)
    {
        var json = new Option<bool>("--json") { Description = "Print {branch, database, parent, parentDatabase, changes: [{kind, name, change, details}]}." };
        var against = new Option<string?>("--against") { Description = "Compare with this branch instead of the parent." };
        var name = new Argument<string?>("name") { Description = "A database or git branch name (default: the current git branch's).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("diff", "Print the schema difference (tables, columns, indexes, views, routines, triggers, events) between a branch and its parent.") { name, against, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            var asJson = parse.GetValue(json);
            return context.RunAsync(async () =>
            {
                var request = context.WorkspaceRequest(DaemonOps.BranchDiff);
                request.Name = parse.GetValue(name);
                request.From = parse.GetValue(against);
                var response = await context.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (!response.Ok || response.Data is not { } data)
                {
                    return context.Fail(response.Error ?? new DaemonError { Code = ErrorCodes.Unexpected, Message = "The daemon gave no diff." }, asJson);
                }

                var diff = data.Deserialize(DaemonJson.Info<SchemaDiff>(CoreJson.Options))!;
                if (asJson)
                {
                    CommandContext.WriteJson(diff);
                    return 0;
                }

                Console.Out.WriteLine($"Schema of '{diff.Branch}' ({diff.Database}) compared with '{diff.Parent}' ({diff.ParentDatabase}):");
                if (diff.Changes.Count == 0)
                {
                    Console.Out.WriteLine("  no differences");
                }

                foreach (var change in diff.Changes)
                {
                    var sign = change.Change switch { "added" => "+", "removed" => "-", _ => "~" };
                    Console.Out.WriteLine($"{sign} {change.Kind} {change.Name} ({change.Change})");
                    foreach (var detail in change.Details)
                    {
                        Console.Out.WriteLine("    " + detail);
                    }
                }

                return 0;
            }, asJson);
        });
        return command;
    }
}
