using BranchTasks.Core.Providers;

namespace BranchTasks.Core.Mapping;

public static class BranchInfoExtensions
{
    /// <summary>The target of an existing branch, as its metadata record names it (the git branch falls back to the branch name).</summary>
    public static BranchTarget ToTarget(this BranchInfo branch) =>
        new(branch.GitBranch ?? branch.Branch, branch.Branch, branch.Database);
}
