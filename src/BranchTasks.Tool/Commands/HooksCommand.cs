using System.CommandLine;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Hooks;
using BranchTasks.Core.Mapping;

namespace BranchTasks.Tool.Commands;

/// <summary>`branchtasks hooks install|uninstall|status`, and the hidden `hooks post-checkout` the hook runs.</summary>
public static class HooksCommand
{
    public static Command Create(GlobalOptions options)
    {
        var command = new Command("hooks", "Install or remove the git post-checkout hook that creates the database branch of a new git branch in the background.");
        command.Subcommands.Add(Simple(options, "install", "Install the post-checkout hook where git runs hooks from (asks git, so core.hooksPath from any config level counts; an existing hook is chained, not overwritten).", async (dir, ct) =>
            (await GitHookInstaller.InstallAsync(dir, CommandContext.ToolCommandLine(), ct).ConfigureAwait(false)).Message));
        command.Subcommands.Add(Simple(options, "uninstall", "Remove the BranchTasks post-checkout hook and restore a hook it chained; never touches a hook it did not write.", async (dir, ct) =>
            (await GitHookInstaller.UninstallAsync(dir, ct).ConfigureAwait(false)).Message));
        command.Subcommands.Add(Simple(options, "status", "Tell whether the BranchTasks post-checkout hook is installed.", async (dir, ct) =>
        {
            var hooks = await GitHookInstaller.HooksDirectoryAsync(dir, ct).ConfigureAwait(false);
            return GitHookInstaller.IsInstalledIn(hooks)
                ? $"The BranchTasks post-checkout hook is installed in {hooks}."
                : $"The BranchTasks post-checkout hook is not installed in {hooks}. Run `branchtasks hooks install`.";
        }));
        command.Subcommands.Add(PostCheckout(options));
        return command;
    }

    private static Command Simple(GlobalOptions options, string name, string description, Func<string, CancellationToken, Task<string>> action)
    {
        var command = new Command(name, description);
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            return context.RunAsync(async () =>
            {
                Console.Out.WriteLine(await action(context.Directory, cancellationToken).ConfigureAwait(false));
                return 0;
            }, json: false);
        });
        return command;
    }

    /// <summary>
    /// Run detached by the hook after `git checkout -b`: when the new git branch has no database branch yet,
    /// create it from the previous git branch's database branch if that exists, else from the parent.
    /// </summary>
    private static Command PostCheckout(GlobalOptions options)
    {
        var newBranch = new Option<string>("--new") { Required = true };
        var previous = new Option<string?>("--previous");
        var command = new Command("post-checkout", "Used by the git hook.") { newBranch, previous };
        command.Hidden = true;
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            return context.RunAsync(async () =>
            {
                // Policy (autoCreate, protected, which branch to clone) is the daemon's, as for every other front end.
                var request = context.WorkspaceRequest(DaemonOps.BranchCheckout);
                request.Name = parse.GetValue(newBranch)!;
                request.From = parse.GetValue(previous);
                var created = await context.SendAsync(request, cancellationToken).ConfigureAwait(false);
                return created.Ok ? 0 : context.Fail(created.Error!, json: false);
            }, json: false);
        });
        return command;
    }
}
