using System.Diagnostics;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Providers;
using BranchTasks.Core.Ensure;
using BranchTasks.Core.Git;
using BranchTasks.Core.Platform;
using BranchTasks.Core.State;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MSBuildTask = Microsoft.Build.Utilities.Task;

namespace BranchTasks.MSBuild;

/// <summary>
/// Makes sure the project's database branch and tunnel are up, and returns the connection string.
/// Thin on purpose: the warm path is one request to the daemon; the cold path runs the bundled tool's
/// `up --json`, which starts the daemon. Nothing long-lived stays in the MSBuild node.
/// </summary>
public sealed class EnsureBranch : MSBuildTask
{
    private static readonly TimeSpan ColdStartTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How the tool starts its progress lines on stderr (CommandContext.SendAsync).</summary>

    [Required]
    public string ProjectDirectory { get; set; } = "";

    public string? ConfigFile { get; set; }

    public string? ConnectionName { get; set; }

    /// <summary>The bundled tool's branchtasks.dll.</summary>
    [Required]
    public string ToolPath { get; set; } = "";

    /// <summary>The dotnet host that runs the tool (MSBuild's $(DOTNET_HOST_PATH)).</summary>
    public string? DotNetHostPath { get; set; }

    /// <summary>The connection string, never with a password: in token mode the password is only in <see cref="ConnectionStringFile"/>.</summary>
    [Output]
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Token mode only (else empty): the 0600 file holding the whole connection string, password included, for the
    /// launcher that puts it into the app's environment. The path is no secret.
    /// </summary>
    [Output]
    public string ConnectionStringFile { get; set; } = "";

    [Output]
    public string ResolvedConnectionName { get; set; } = "";

    /// <summary>The project's UserSecretsId: provider credentials may be kept in its user secrets.</summary>
    public string? UserSecretsId { get; set; }

    [Output]
    public string Branch { get; set; } = "";

    [Output]
    public string GitBranch { get; set; } = "";

    [Output]
    public string Database { get; set; } = "";

    [Output]
    public int Port { get; set; }

    /// <summary>
    /// Hand the app the connection string (BranchTasksInjectArguments): sets <see cref="AppRunCommand"/> and
    /// <see cref="AppRunArguments"/> by <see cref="AppLaunch"/>. Done here rather than by a second task or in the
    /// targets, because every task and property function there is paid on each `dotnet run`.
    /// </summary>
    public bool InjectArguments { get; set; }

    /// <summary>The project's RunCommand and RunArguments as the SDK computed them so far.</summary>
    public string RunCommand { get; set; } = "";

    public string RunArguments { get; set; } = "";

    /// <summary>The project's intermediate output folder (relative to <see cref="ProjectDirectory"/> or full), for the run script.</summary>
    public string IntermediateOutputPath { get; set; } = "";

    /// <summary>The package's BranchTasks.launch.sh (token mode on Unix).</summary>
    public string LaunchScript { get; set; } = "";

    /// <summary>The RunCommand the app must be started with, or empty to keep the project's.</summary>
    [Output]
    public string AppRunCommand { get; set; } = "";

    /// <summary>The RunArguments the app must be started with, or empty to keep the project's.</summary>
    [Output]
    public string AppRunArguments { get; set; } = "";

    public override bool Execute()
    {
        var request = new DaemonRequest
        {
            Op = DaemonOps.Ensure,
            Directory = ProjectDirectory,
            ConfigFile = string.IsNullOrWhiteSpace(ConfigFile) ? null : ConfigFile,
            ConnectionName = string.IsNullOrWhiteSpace(ConnectionName) ? null : ConnectionName,
            BranchOverride = Environment.GetEnvironmentVariable(GitBranchResolver.BranchOverrideVariable),
            Credentials = CredentialEnvironment.Capture(),
            UserSecretsId = string.IsNullOrWhiteSpace(UserSecretsId) ? null : UserSecretsId,
        };

        var started = Stopwatch.GetTimestamp();
        var console = new RunConsole(Log);
        var response = DaemonClient.TrySend(StateDirectory.ForCurrentUser().Root, request, TimeSpan.FromMilliseconds(500), console.Line)
            ?? RunTool(request, console);
        if (response is null)
        {
            return !Log.HasLoggedErrors;
        }

        if (!response.Ok || response.Ensure is null)
        {
            LogError(response.Error ?? new DaemonError { Code = "BT0001", Message = "BranchTasks gave no answer." });
            return false;
        }

        var result = response.Ensure;
        if (result.Notice is not null)
        {
            // A warning, because `dotnet run` shows warnings but not messages: running on another
            // branch's database than HEAD suggests must never go unnoticed.
            Log.LogWarning(null, "BT0103", null, null, 0, 0, 0, 0, result.Notice);
        }

        Log.LogMessage(MessageImportance.Low, $"BranchTasks: ensure answered in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} ms; database branch '{result.Branch}'");
        console.Line(result.Summary());
        if (TokenConnectionFile.HasPassword(result.ConnectionString))
        {
            try
            {
                ConnectionStringFile = TokenConnectionFile.Write(StateDirectory.ForCurrentUser(), result.ConnectionString);
            }
            catch (BranchTasks.Core.Errors.BranchTasksException e)
            {
                LogError(new DaemonError { Code = e.Code, Message = e.Message });
                return false;
            }

            ConnectionString = TokenConnectionFile.WithoutPassword(result.ConnectionString);
        }
        else
        {
            ConnectionString = result.ConnectionString;
        }

        ResolvedConnectionName = result.ConnectionName;
        Branch = result.Branch;
        GitBranch = result.GitBranch;
        Database = result.Database;
        Port = result.Port;
        if (InjectArguments)
        {
            HandToApp();
        }

        return true;
    }

    private void HandToApp()
    {
        var inputs = new AppLaunchInputs(
            !OperatingSystem.IsWindows(),
            RunCommand,
            RunArguments,
            string.IsNullOrEmpty(DotNetHostPath) ? "dotnet" : DotNetHostPath,
            ToolPath,
            LaunchScript);
        var launch = AppLaunch.For(inputs, ResolvedConnectionName, ConnectionString, ConnectionStringFile);
        AppRunCommand = launch.ScriptWords is { } words
            ? RunScript.Write(Path.Combine(ProjectDirectory, IntermediateOutputPath), words)
            : launch.RunCommand ?? "";
        AppRunArguments = launch.RunArguments ?? "";
    }

    /// <summary>
    /// Errors about a file start with <c>path(line,col): </c>; pass those to MSBuild as the error's
    /// location, so IDEs and build logs point at the line in branchtasks.json.
    /// </summary>
    private void LogError(DaemonError error)
    {
        var match = System.Text.RegularExpressions.Regex.Match(error.Message, @"^(?<file>.+?)\((?<line>\d+),(?<column>\d+)\): (?<text>.*)$", System.Text.RegularExpressions.RegexOptions.Singleline);
        if (match.Success)
        {
            Log.LogError(null, error.Code, null, match.Groups["file"].Value, int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups["column"].Value, System.Globalization.CultureInfo.InvariantCulture), 0, 0, match.Groups["text"].Value);
        }
        else
        {
            Log.LogError(null, error.Code, null, null, 0, 0, 0, 0, error.Message);
        }
    }

    /// <summary>
    /// No daemon answered: the tool starts one (with its start lock) and answers in JSON, its progress lines passed on
    /// as they come, so a cold start that takes seconds is not a silent wait (the same cold path as AddBranchTasks()).
    /// </summary>
    private DaemonResponse? RunTool(DaemonRequest request, RunConsole console)
    {
        try
        {
            return ToolUp.RunAsync(
                ToolCommand.ForManaged(ToolPath, string.IsNullOrEmpty(DotNetHostPath) ? "dotnet" : DotNetHostPath),
                request,
                new Dictionary<string, string?>(),
                ColdStartTimeout,
                console.Line,
                CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Log.LogError(null, "BT0501", null, null, 0, 0, 0, 0, $"Could not start the BranchTasks tool ({ToolPath}): {e.Message}");
            return null;
        }
        catch (TimeoutException e)
        {
            Log.LogError(null, "BT0501", null, null, 0, 0, 0, 0, e.Message);
            return null;
        }
    }
}
