namespace BranchTasks.Core.Daemon;

/// <summary>The operations the daemon answers. Names are part of the wire protocol.</summary>
public static class DaemonOps
{
    public const string Ping = "ping";
    public const string Ensure = "ensure";
    public const string Status = "status";
    public const string Down = "down";
    public const string Shutdown = "shutdown";
    public const string BranchList = "branch-list";
    public const string BranchCreate = "branch-create";
    /// <summary>The post-checkout hook: create the new git branch's database branch from the previous one's, when policy allows.</summary>
    public const string BranchCheckout = "branch-checkout";
    public const string BranchDelete = "branch-delete";
    public const string ServerStop = "server-stop";
    public const string BranchPrune = "branch-prune";
    public const string BranchReset = "branch-reset";
    public const string BranchDiff = "branch-diff";
    public const string EphemeralCreate = "ephemeral-create";
    public const string EphemeralDelete = "ephemeral-delete";
}
