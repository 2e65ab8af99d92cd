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

    /// <summary>How long one ensure request to the daemon may take (default 2 minutes: creating a branch copies data).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Called after each attempt to follow the branch: the new result, or the error (for logging).</summary>
    public Action<BranchTasksChange>? OnChange { get; set; }
}

/// <summary>What happened when the provider followed a branch switch.</summary>
/// <param name="GitBranch">The git branch now checked out (null when unknown).</param>
/// <param name="ConnectionString">The new connection string; null when the daemon could not ensure the branch.</param>
/// <param name="Error">Why it failed (daemon not running, error BTxxxx: ...); null on success.</param>
public sealed record BranchTasksChange(string? GitBranch, string? Database, string? ConnectionString, string? Error);
