using System.CommandLine;
using System.Text.Json;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Git;
using BranchTasks.Core.Platform;
using BranchTasks.Core.State;

namespace BranchTasks.Tool;

/// <summary>What a verb's action needs: the parsed options, the daemon, and consistent output and errors.</summary>
public sealed class CommandContext
{
    private readonly ParseResult _parse;
    private readonly GlobalOptions _options;

    public CommandContext(ParseResult parse, GlobalOptions options)
    {
        _parse = parse;
        _options = options;
        State = StateDirectory.ForCurrentUser();
    }

    public StateDirectory State { get; }

    public bool Verbose => _parse.GetValue(_options.Verbose);

    public string Directory => _parse.GetValue(_options.ProjectDirectory)?.FullName ?? Environment.CurrentDirectory;

    public string? ConfigFile => _parse.GetValue(_options.Config)?.FullName;

    /// <summary>A request carrying the caller's folder, configuration and branch override.</summary>
    public DaemonRequest Request(string op) => new()
    {
        Op = op,
        Directory = Directory,
        ConfigFile = ConfigFile,
        BranchOverride = Environment.GetEnvironmentVariable(GitBranchResolver.BranchOverrideVariable),
        Credentials = CredentialEnvironment.Capture(),
        UserSecretsId = Environment.GetEnvironmentVariable(CredentialEnvironment.UserSecretsIdVariable),
    };

    /// <summary>
    /// Like <see cref="Request"/>, for ops that act on the workspace: its repository and configuration are
    /// checked here first, so a mistake is reported at once and never starts a daemon for nothing.
    /// </summary>
    public DaemonRequest WorkspaceRequest(string op)
    {
        var request = Request(op);
        Workspace.Open(request.Directory!, request.ConfigFile, request.BranchOverride, connectionName: null);
        return request;
    }

    /// <summary>
    /// The confirmation of a destructive verb: true with <paramref name="yes"/>, else asks on the terminal; with
    /// stdin redirected there is nobody to ask, so it refuses (BT0602) rather than guess.
    /// </summary>
    /// <param name="refusal">Why it cannot ask, ending with how to proceed (pass --yes).</param>
    /// <param name="question">The [y/N] question, without the suffix.</param>
    /// <param name="declined">Printed when the answer is not yes.</param>
    public static bool Confirm(bool yes, string refusal, string question, string declined)
    {
        if (yes)
        {
            return true;
        }

        if (Console.IsInputRedirected)
        {
            throw new BranchTasksException(ErrorCodes.ConfirmationRequired, refusal);
        }

        Console.Error.Write(question + " [y/N] ");
        var answer = Console.ReadLine()?.Trim();
        if (string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        Console.Error.WriteLine(declined);
        return false;
    }

    public async Task<DaemonResponse> SendAsync(DaemonRequest request, CancellationToken cancellationToken) =>
        await new DaemonLauncher(State, Tool()).SendAsync(request, cancellationToken, line => Console.Error.WriteLine("branchtasks: " + line)).ConfigureAwait(false);

    /// <summary>
    /// Like <see cref="SendAsync"/>, but a daemon error becomes a <see cref="BranchTasksException"/>, which
    /// <see cref="RunAsync"/> prints like any local one.
    /// </summary>
    public async Task<DaemonResponse> SendCheckedAsync(DaemonRequest request, CancellationToken cancellationToken)
    {
        var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return response.Ok
            ? response
            : throw new BranchTasksException(response.Error?.Code ?? ErrorCodes.Unexpected, response.Error?.Message ?? "The daemon gave no answer.");
    }

    /// <summary>
    /// The ensure step for a verb (`up`, `exec`): tells the user on stderr when the git branch is not HEAD's
    /// (warning BT0103, as in builds) and, unless <paramref name="announceCreated"/> is false (`up --json`, whose
    /// object says it, and whose stderr the MSBuild task passes on as progress), when a database branch was created.
    /// </summary>
    /// <param name="gitBranch">Ensure this git branch's database branch instead of the current one (as BRANCHTASKS_BRANCH does).</param>
    public async Task<EnsureResult> EnsureAsync(string? connectionName, CancellationToken cancellationToken, bool announceCreated = true, string? gitBranch = null)
    {
        var request = WorkspaceRequest(DaemonOps.Ensure);
        request.ConnectionName = connectionName;
        request.BranchOverride = gitBranch ?? request.BranchOverride;
        var response = await SendCheckedAsync(request, cancellationToken).ConfigureAwait(false);
        var result = response.Ensure ?? throw new BranchTasksException(ErrorCodes.Unexpected, "The daemon answered without a connection.");
        if (result.Notice is not null)
        {
            Console.Error.WriteLine($"branchtasks : warning {ErrorCodes.BranchNotFromHead}: {result.Notice}");
        }

        if (result.Created && announceCreated)
        {
            var from = result.CreatedFrom is null ? "empty (the root branch)" : "from " + result.CreatedFrom;
            Console.Error.WriteLine($"branchtasks: created database branch '{result.Branch}' ({result.Database}), {from}.");
        }

        return result;
    }

    /// <summary>Sends only when a daemon already runs; never starts one.</summary>
    public Task<DaemonResponse?> TrySendAsync(DaemonRequest request, CancellationToken cancellationToken) =>
        DaemonClient.TrySendAsync(State.Root, request, TimeSpan.FromMilliseconds(500), cancellationToken);

    /// <summary>
    /// How to run this very tool again, for the daemon and for git hooks: the native executable that is running, or
    /// (run as `dotnet exec branchtasks.dll`) the native build beside the dll where this machine runs it, else the dll.
    /// </summary>
    public static ToolCommand Tool()
    {
        var processPath = Environment.ProcessPath ?? throw new BranchTasksException(ErrorCodes.DaemonUnavailable, "Cannot tell which program is running, so the daemon cannot be started.");
        return Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? ToolCommand.ForManaged(Path.Combine(AppContext.BaseDirectory, "branchtasks.dll"), processPath)
            : ToolCommand.Program([processPath]);
    }

    /// <summary>The command <see cref="Tool"/> tries first.</summary>
    public static List<string> ToolCommandLine() => [.. Tool().Preferred];

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, DaemonJson.Info<T>(ToolJson.Indented)));

    /// <summary>Runs a verb's body and turns failures into one clear message and an exit code.</summary>
    public async Task<int> RunAsync(Func<Task<int>> body, bool json)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (BranchTasksException e)
        {
            return Fail(e.Code, e.Message, json, e);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("branchtasks: cancelled.");
            return 130;
        }
        catch (Exception e)
        {
            return Fail(ErrorCodes.Unexpected, $"Unexpected failure: {e.Message}" + (Verbose ? "" : " (run again with --verbose for details)"), json, e);
        }
    }

    /// <summary>Prints the message of an op that only reports (down, server stop), or its error.</summary>
    public int PrintMessage(DaemonResponse response)
    {
        if (!response.Ok)
        {
            return Fail(response.Error ?? new DaemonError { Code = ErrorCodes.Unexpected, Message = "The daemon gave no answer." }, json: false);
        }

        Console.Out.WriteLine(response.Message);
        return 0;
    }

    /// <summary>Prints a daemon error the same way as a local one.</summary>
    public int Fail(DaemonError error, bool json) => Fail(error.Code, error.Message, json, null);

    private int Fail(string code, string message, bool json, Exception? exception)
    {
        if (json)
        {
            WriteJson(new ErrorOutput(new ErrorOutputBody(code, message)));
        }

        // MSBuild's canonical error format, so the same line reads well in a terminal and in a build log.
        Console.Error.WriteLine($"branchtasks : error {code}: {message}");
        if (Verbose && exception is not null)
        {
            Console.Error.WriteLine(exception);
        }

        return 1;
    }
}
