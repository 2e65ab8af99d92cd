namespace BranchTasks.Core.Git;

/// <summary>What HEAD of a work tree points at, read from the repository files.</summary>
/// <param name="WorkTreeRoot">Top of the work tree (the folder that holds <c>.git</c>).</param>
/// <param name="GitDir">The work tree's own git dir (for a linked worktree: <c>.git/worktrees/NAME</c>).</param>
/// <param name="CommonDir">The shared git dir (refs, packed-refs, hooks, config).</param>
/// <param name="Branch">Short branch name (<c>feature/x</c>) when HEAD is a branch; null when detached.</param>
/// <param name="Commit">The commit HEAD resolves to, when it can be resolved (null on an unborn branch).</param>
/// <param name="RebasingBranch">While a rebase runs HEAD is detached: the branch being rebased, else null.</param>
public sealed record GitHead(
    string WorkTreeRoot,
    string GitDir,
    string CommonDir,
    string? Branch,
    string? Commit,
    string? RebasingBranch)
{
    /// <summary>
    /// What the database branch follows: HEAD's branch, the branch being rebased, or "" when HEAD is detached
    /// (the configured parent then). Watchers compare this, not HEAD's text: a commit, a rebase step or another
    /// detached commit moves HEAD's text without changing which database branch is served.
    /// </summary>
    public string BranchKey => Branch ?? RebasingBranch ?? "";
}
