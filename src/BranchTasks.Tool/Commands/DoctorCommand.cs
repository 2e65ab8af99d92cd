using System.CommandLine;
using BranchTasks.Core;
using BranchTasks.Core.Configuration;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Git;
using BranchTasks.Core.Hooks;
using MySqlConnector;

namespace BranchTasks.Tool.Commands;

/// <summary>`branchtasks doctor`: every link of the chain, each with ok or the problem and its fix.</summary>
public static class DoctorCommand
{
    /// <summary>
    /// One check's outcome: <c>Fix</c> is null when <c>Ok</c>. A check that is not <c>Required</c> (the git hook, the
    /// daemon's version) is a warning when it fails: BranchTasks works without it, so it does not fail the exit code,
    /// which makes `doctor` usable as a CI gate.
    /// </summary>
    public sealed record Check(string Name, bool Ok, string Detail, string? Fix, bool Required = true);

    public static Command Create(GlobalOptions options)
    {
        var json = new Option<bool>("--json") { Description = "Print {\"ok\": bool, \"checks\": [{name, ok, detail, fix}]}." };
        var command = new Command("doctor", "Check server binaries, configuration, git repository and branch, daemon, tunnel and hooks; print the fix for each problem. Exits 1 when a required check fails; optional ones (hooks, daemon version) only warn.") { json };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, options);
            var asJson = parse.GetValue(json);
            return context.RunAsync(async () =>
            {
                var checks = await RunChecksAsync(context, cancellationToken).ConfigureAwait(false);
                var problems = checks.Count(c => !c.Ok && c.Required);
                var warnings = checks.Count(c => !c.Ok && !c.Required);
                var ok = problems == 0;
                if (asJson)
                {
                    CommandContext.WriteJson(new DoctorOutput(ok, ProductVersion.Current, checks));
                }
                else
                {
                    Console.Out.WriteLine($"branchtasks {ProductVersion.Current}");
                    foreach (var check in checks)
                    {
                        Console.Out.WriteLine($"[{(check.Ok ? "ok" : check.Required ? "problem" : "warning")}] {check.Name}: {check.Detail}");
                        if (check.Fix is not null)
                        {
                            Console.Out.WriteLine("    fix: " + check.Fix);
                        }
                    }

                    Console.Out.WriteLine((problems, warnings) switch
                    {
                        (0, 0) => "Everything is in order.",
                        (0, _) => $"No problems; {warnings} warning(s) about optional parts.",
                        _ => $"{problems} problem(s) found" + (warnings == 0 ? "." : $", and {warnings} warning(s)."),
                    });
                }

                return ok ? 0 : 1;
            }, asJson);
        });
        return command;
    }

    private static async Task<List<Check>> RunChecksAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var checks = new List<Check>();
        BranchTasksConfig? config = null;
        try
        {
            config = string.IsNullOrWhiteSpace(context.ConfigFile) ? ConfigLoader.LoadFromDirectory(context.Directory) : ConfigLoader.Load(context.ConfigFile);
            checks.Add(new Check("configuration", true, $"{config.FilePath}: provider '{config.Provider}', database '{config.Database}', connectionName '{config.ConnectionName}'", null));
        }
        catch (BranchTasksException e)
        {
            checks.Add(new Check("configuration", false, $"{e.Code}: {e.Message}", "Create or correct branchtasks.json at the repository root (see the README's configuration reference)."));
        }

        if (config is null || config.Provider == "local")
        {
            checks.Add(DoctorServerCheck.Run(config));
        }

        var gitOk = false;
        try
        {
            var head = GitHeadReader.Read(context.Directory);
            var branch = GitBranchResolver.Resolve(head, Environment.GetEnvironmentVariable(GitBranchResolver.BranchOverrideVariable), config?.Parent ?? "main");
            checks.Add(new Check("git", true, $"repository {head.WorkTreeRoot}, branch '{branch.Name}'" + (branch.Notice is null ? "" : $" ({branch.Notice})"), null));
            gitOk = true;
        }
        catch (BranchTasksException e)
        {
            checks.Add(new Check("git", false, $"{e.Code}: {e.Message}", "Run BranchTasks inside a git repository (git init), or pass --project-dir."));
        }

        DaemonResponse? ping = null;
        try
        {
            ping = await context.SendAsync(context.Request(DaemonOps.Status), cancellationToken).ConfigureAwait(false);
            checks.Add(ping.Ok && ping.Status is { } status
                ? new Check("daemon", true, $"running (process {status.ProcessId}, version {status.Version}), state in {context.State.Root}", null)
                : new Check("daemon", false, ping.Error?.Message ?? "no status", $"Run `branchtasks down --all` and retry; the daemon's log is {context.State.PathOf("daemon.log")}."));
            if (ping.Status is { } running && running.Version != ProductVersion.Current)
            {
                // The daemon is shared by every project of the user; one started by another project's package can be older.
                checks.Add(new Check("daemon version", false, $"the daemon runs version {running.Version}, this tool is {ProductVersion.Current}", "Run `branchtasks down --all`; the next command starts the daemon of this version.", Required: false));
            }
        }
        catch (BranchTasksException e)
        {
            checks.Add(new Check("daemon", false, $"{e.Code}: {e.Message}", $"Look at {context.State.PathOf("daemon.log")}; run `branchtasks daemon run -v` to see it start in the foreground."));
        }

        if (config is not null && gitOk && ping is { Ok: true })
        {
            checks.Add(await TunnelCheckAsync(context, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            checks.Add(new Check("tunnel", false, "not checked: the configuration, git or daemon check failed", "Fix the problems above first."));
        }

        if (gitOk)
        {
            checks.Add(await HooksCheckAsync(context.Directory, cancellationToken).ConfigureAwait(false));
        }

        return checks;
    }

    private static async Task<Check> HooksCheckAsync(string directory, CancellationToken cancellationToken)
    {
        try
        {
            var hooks = await GitHookInstaller.HooksDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
            return GitHookInstaller.IsInstalledIn(hooks)
                ? new Check("hooks", true, $"post-checkout hook installed in {hooks}", null)
                : new Check("hooks", false, $"no BranchTasks post-checkout hook in {hooks} (optional); new git branches get their database branch on first run instead", "Run `branchtasks hooks install`.", Required: false);
        }
        catch (BranchTasksException e)
        {
            return new Check("hooks", false, $"{e.Code}: {e.Message}", "Fix the problem above, then run `branchtasks hooks status`.", Required: false);
        }
    }

    /// <summary>The ensure step, then our own SELECT 1 through the tunnel with the connection string the app gets.</summary>
    private static async Task<Check> TunnelCheckAsync(CommandContext context, CancellationToken cancellationToken)
    {
        try
        {
            var response = await context.SendAsync(context.Request(DaemonOps.Ensure), cancellationToken).ConfigureAwait(false);
            if (!response.Ok || response.Ensure is not { } result)
            {
                return new Check("tunnel", false, $"{response.Error?.Code}: {response.Error?.Message}", "Run `branchtasks up -v` for details, and follow the fix in its message.");
            }

            var builder = new MySqlConnectionStringBuilder(result.ConnectionString) { Pooling = false, ConnectionTimeout = 10 };
            await using var connection = new MySqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand("SELECT DATABASE()", connection);
            var database = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            return database == result.Database
                ? new Check("tunnel", true, $"127.0.0.1:{result.Port} answers on database '{result.Database}' (branch '{result.Branch}')", null)
                : new Check("tunnel", false, $"127.0.0.1:{result.Port} answered with database '{database}' instead of '{result.Database}'", "Run `branchtasks down` and `branchtasks up` to reopen the tunnel.");
        }
        catch (Exception e) when (e is BranchTasksException or MySqlException or IOException)
        {
            return new Check("tunnel", false, e.Message, "Run `branchtasks down` then `branchtasks up -v`; if the server is down, `branchtasks server stop` and retry.");
        }
    }
}
