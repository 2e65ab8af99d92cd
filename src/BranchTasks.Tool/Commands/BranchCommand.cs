using System.CommandLine;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Providers;

namespace BranchTasks.Tool.Commands;

/// <summary>`branchtasks branch list|create|delete`: the project's database branches.</summary>
public static class BranchCommand
{
    public static Command Create(GlobalOptions options)
    {
        var command = new Command("branch", "List, create and delete the project's database branches.");
        command.Subcommands.Add(List(options));
        command.Subcommands.Add(CreateBranch(options));
        command.Subcommands.Add(Delete(options));
        command.Subcommands.Add(BranchLifecycleCommands.Prune(options));
        command.Subcommands.Add(BranchLifecycleCommands.Reset(options));
        command.Subcommands.Add(BranchLifecycleCommands.Diff(options));
        return command;
    }

    private static Command List(GlobalOptions options)
    {
        var json = JsonOption("Print a JSON array of branch, database, parent, gitBranch, createdAt, lastUsedAt, current, ownership, owner, repository, repositoryLocation.");
        var all = new Option<bool>("--all") { Description = "Also list other developers' branches, branches of other repositories that use the same database name, and (PlanetScale) branches BranchTasks did not create." };
        var command = new Command("list", "List your database branches of this repository; the current git branch's is marked.") { all, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            var asJson = parse.GetValue(json);
            return context.RunAsync(async () =>
            {
                var request = context.Request(DaemonOps.BranchList);
                request.All = parse.GetValue(all);
                // The database branch the current git branch (or BRANCHTASKS_BRANCH) maps to, as `up` would use it.
                var current = Workspace.Open(request.Directory!, request.ConfigFile, request.BranchOverride, connectionName: null).Target.Branch;
                var response = await context.SendCheckedAsync(request, cancellationToken).ConfigureAwait(false);

                var branches = (response.Branches ?? []).Select(b => new ListedBranch(b.Branch, b.Database, b.Parent, b.GitBranch, b.CreatedAt, b.LastUsedAt, b.Branch == current, b.Ownership, b.Owner, b.Repository, b.RepositoryLocation)).ToList();
                if (asJson)
                {
                    CommandContext.WriteJson(branches);
                    return 0;
                }

                foreach (var branch in branches)
                {
                    // Marked like `git branch` marks the checked-out one.
                    Console.Out.WriteLine((branch.Current ? "* " : "  ") + Describe(new BranchInfo(branch.Branch, branch.Database, branch.Parent, branch.GitBranch, branch.CreatedAt, branch.LastUsedAt)
                    {
                        Ownership = branch.Ownership,
                        Owner = branch.Owner,
                        RepositoryLocation = branch.RepositoryLocation,
                    }));
                }

                return 0;
            }, asJson);
        });
        return command;
    }

    /// <summary>An item of `branch list`: the branch's metadata, and whether the current git branch maps to it.</summary>
    internal sealed record ListedBranch(
        string Branch,
        string Database,
        string? Parent,
        string? GitBranch,
        DateTimeOffset CreatedAt,
        DateTimeOffset? LastUsedAt,
        bool Current,
        BranchOwnership Ownership,
        string? Owner,
        string? Repository,
        string? RepositoryLocation);

    private static Command CreateBranch(GlobalOptions options)
    {
        var json = JsonOption("Print the created branch as JSON.");
        var name = new Argument<string>("name") { Description = "A git branch name (mapped by the rules in branchtasks.json)." };
        var from = new Option<string?>("--from") { Description = "The branch to clone (default: the configured parent's branch)." };
        var noData = new Option<bool>("--no-data") { Description = "Copy the schema only, not the rows." };
        var command = new Command("create", "Create a database branch by cloning its parent.") { name, from, noData, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            var asJson = parse.GetValue(json);
            return context.RunAsync(async () =>
            {
                var request = context.WorkspaceRequest(DaemonOps.BranchCreate);
                request.Name = parse.GetValue(name);
                request.From = parse.GetValue(from);
                request.CopyData = parse.GetValue(noData) ? false : null;
                var response = await context.SendCheckedAsync(request, cancellationToken).ConfigureAwait(false);
                var branch = response.BranchInfo ?? throw new BranchTasksException(ErrorCodes.Unexpected, "The daemon answered without the branch.");

                if (asJson)
                {
                    CommandContext.WriteJson(branch);
                }
                else
                {
                    Console.Out.WriteLine("Created " + Describe(branch));
                }

                return 0;
            }, asJson);
        });
        return command;
    }

    private static Command Delete(GlobalOptions options)
    {
        var json = JsonOption("Print the result as JSON.");
        var name = new Argument<string>("name") { Description = "A database branch name (as `branch list` shows) or a git branch name." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required when stdin is not a terminal)." };
        var force = new Option<bool>("--force") { Description = "Also delete the current git branch's database branch or the root branch (the parent's)." };
        var command = new Command("delete", "Delete a database branch BranchTasks created. Protected branches and databases it did not create are refused; the current branch's and the root branch need --force.") { name, yes, force, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            var asJson = parse.GetValue(json);
            return context.RunAsync(async () =>
            {
                var request = context.WorkspaceRequest(DaemonOps.BranchDelete);
                request.Name = parse.GetValue(name);
                request.Force = parse.GetValue(force);
                if (!CommandContext.Confirm(
                    parse.GetValue(yes),
                    $"`branch delete` drops database branch '{request.Name}' and all its data, and stdin is not a terminal to confirm it. Pass --yes to delete without asking.",
                    $"Delete database branch '{request.Name}'? All its data is lost.",
                    "Not deleted."))
                {
                    return 1;
                }

                var response = await context.SendCheckedAsync(request, cancellationToken).ConfigureAwait(false);

                if (asJson)
                {
                    CommandContext.WriteJson(new DeleteOutput(request.Name, response.Message));
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

    private static Option<bool> JsonOption(string description) => new("--json") { Description = description };

    private static string Describe(BranchInfo branch) =>
        $"{branch.Branch,-30} {branch.Database,-40} parent: {branch.Parent ?? "-",-20} git: {branch.GitBranch ?? "-"}{Whose(branch)}";

    /// <summary>Nothing for the developer's own branches; otherwise whose it is, so nobody mistakes it for theirs.</summary>
    private static string Whose(BranchInfo branch) => branch.Ownership switch
    {
        BranchOwnership.Unclaimed => "  (made before ownership was recorded: claimed when used here)",
        BranchOwnership.OtherDeveloper => $"  (made by {branch.Owner})",
        BranchOwnership.OtherRepository => $"  (another repository's{(branch.RepositoryLocation is null ? "" : $", at {branch.RepositoryLocation}")}{(branch.Owner is null ? "" : $", by {branch.Owner}")})",
        BranchOwnership.NotMade => "  (not made by BranchTasks here)",
        _ => "",
    };
}
