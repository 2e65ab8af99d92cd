namespace BranchTasks.Core.Git;

/// <summary>The git branch BranchTasks acts for, and how it was chosen.</summary>
/// <param name="Name">The git branch name (may be the configured parent when HEAD is detached).</param>
/// <param name="Notice">A message to show the user when the branch is not simply HEAD's (override, detached fallback), else null.</param>
public sealed record ResolvedGitBranch(string Name, string? Notice);
