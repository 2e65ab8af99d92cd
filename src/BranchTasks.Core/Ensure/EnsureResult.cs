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

    /// <summary>When <see cref="Created"/>: the git branch whose database branch it was cloned from; null when it started empty (the root branch).</summary>
    public string? CreatedFrom { get; set; }

    /// <summary>
    /// The one line `dotnet run`, `up` and `exec` show: which git branch is on which database, and where.
    /// Compiled into the MSBuild task too, so every front end says it the same way.
    /// </summary>
    public string Summary()
    {
        var line = $"{GitBranch} \u2192 {Database} ({Host}:{Port})";
        if (Created)
        {
            line += CreatedFrom is null ? ", created (empty: the root branch)" : $", created from {CreatedFrom}";
        }

        return line;
    }
}
