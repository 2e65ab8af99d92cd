namespace BranchTasks.Configuration;

/// <summary>Options of <see cref="BranchTasksConfigurationExtensions.AddBranchTasks"/>.</summary>
public sealed class BranchTasksConfigurationOptions
{
    /// <summary>A folder inside the repository (default: the host's content root, else the current directory).</summary>
    public string? Directory { get; set; }

    /// <summary>An explicit branchtasks.json (default: found by walking up from <see cref="Directory"/>).</summary>
    public string? ConfigFile { get; set; }

    /// <summary>The key is <c>ConnectionStrings:&lt;this&gt;</c> (default: <c>connectionName</c> of branchtasks.json).</summary>
    public string? ConnectionName { get; set; }

    /// <summary>The BranchTasks state directory whose daemon to ask (default: <c>BRANCHTASKS_HOME</c>, else the per-user one).</summary>
    public string? StateDirectory { get; set; }

    /// <summary>How often HEAD is re-read in case a file-system event was missed (default 1 s).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one ensure may take, starting the daemon and the server included (default 2 minutes: creating a
    /// branch copies data; a new PlanetScale branch may need more).
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// When no daemon answers on first load, start it (default true): with the tool bundled in the <c>BranchTasks</c>
    /// package the app was built with, else <see cref="ToolPath"/>, else <c>branchtasks</c> on the PATH.
    /// </summary>
    public bool StartDaemon { get; set; } = true;

    /// <summary>
    /// The tool to start the daemon with: a <c>branchtasks.dll</c> (run with the app's own <c>dotnet</c>) or an
    /// executable. Default: the path the <c>BranchTasks</c> package wrote into the app's assembly at build time.
    /// </summary>
    public string? ToolPath { get; set; }

    /// <summary>
    /// On first load, throw <see cref="BranchTasksConfigurationException"/> when no connection string could be
    /// provided (default true), rather than start the app without one. False: report through <see cref="OnChange"/>
    /// and <see cref="Log"/>, add nothing, and keep retrying.
    /// </summary>
    public bool Required { get; set; } = true;

    /// <summary>
    /// Where progress lines go (starting the daemon, creating a branch, which database the app is on); default the
    /// app's standard error. Set null for silence.
    /// </summary>
    public Action<string>? Log { get; set; } = line => Console.Error.WriteLine(line);

    /// <summary>Called after each attempt to follow the branch: the new result, or the error (for logging).</summary>
    public Action<BranchTasksChange>? OnChange { get; set; }
}

/// <summary>What happened when the provider followed a branch switch.</summary>
/// <param name="GitBranch">The git branch now checked out (null when unknown).</param>
/// <param name="ConnectionString">The new connection string; null when the daemon could not ensure the branch.</param>
/// <param name="Error">Why it failed (daemon not running, error BTxxxx: ...); null on success.</param>
public sealed record BranchTasksChange(string? GitBranch, string? Database, string? ConnectionString, string? Error);
