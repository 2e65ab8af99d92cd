namespace BranchTasks.Core.Ensure;

/// <summary>
/// The answer to "which database is this work tree on": the object `branchtasks up --json` prints and
/// the MSBuild task injects. It never carries a secret: the tunnel holds the upstream credentials.
/// </summary>
public sealed class EnsureResult
{
    public string GitBranch { get; set; } = "";
    public string Branch { get; set; } = "";
    public string Database { get; set; } = "";
    public string Host { get; set; } = "";
    public int Port { get; set; }
    public string ConnectionString { get; set; } = "";
    public string Provider { get; set; } = "";
    public string ConnectionName { get; set; } = "";

    /// <summary>Why the git branch is not simply HEAD's (detached HEAD fallback, BRANCHTASKS_BRANCH), else null.</summary>
    public string? Notice { get; set; }

    /// <summary>True when this call created the database branch.</summary>
    public bool Created { get; set; }
}
