using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using BranchTasks.Core;
using BranchTasks.Tool.Commands;

namespace BranchTasks.Tool;

/// <summary>The `branchtasks` command line: verbs, shared options, and the one place errors are printed.</summary>
public static class Cli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new GlobalOptions();
        var root = new RootCommand("BranchTasks: a database branch and a local tunnel for every git branch.");
        options.AddTo(root);
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersion();
        }

        root.Subcommands.Add(UpCommand.Create(options));
        root.Subcommands.Add(ExecCommand.Create(options));
        root.Subcommands.Add(ShellCommand.Create(options));
        root.Subcommands.Add(LaunchCommand.Create(options));
        root.Subcommands.Add(DownCommand.Create(options));
        root.Subcommands.Add(StatusCommand.Create(options));
        root.Subcommands.Add(BranchCommand.Create(options));
        root.Subcommands.Add(HooksCommand.Create(options));
        root.Subcommands.Add(DoctorCommand.Create(options));
        root.Subcommands.Add(ServerCommand.Create(options));
        root.Subcommands.Add(DaemonCommand.Create(options));
        var parse = root.Parse(args);
        // Verbs that run a child handle signals themselves (the child decides, then they clean up); System.CommandLine's
        // own handling would end us two seconds after Ctrl+C, child or not.
        var configuration = parse.CommandResult.Command.Name is "exec" or "shell" or "launch"
            ? new InvocationConfiguration { ProcessTerminationTimeout = null }
            : null;
        return await parse.InvokeAsync(configuration).ConfigureAwait(false);
    }

    /// <summary>`--version` prints <see cref="ProductVersion.Current"/>, the very string `status` and `doctor` show.</summary>
    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            // Parse errors are cleared for `--version` alone (the root command has no action of its own), so anything
            // else on the line is caught here instead of being ignored.
            var others = parseResult.Tokens.Where(t => !(t.Type == TokenType.Option && t.Value is "--version")).Select(t => t.Value).ToList();
            if (others.Count > 0)
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"branchtasks : error {Core.Errors.ErrorCodes.InvalidArgument}: --version takes no other arguments (got: {string.Join(" ", others)}). Run `branchtasks --version` alone.");
                return 1;
            }

            parseResult.InvocationConfiguration.Output.WriteLine(ProductVersion.Current);
            return 0;
        }
    }
}
