namespace BranchTasks.Core.Git;

/// <summary>Chooses the git branch BranchTasks acts for: an explicit override, HEAD's branch, or a documented fallback.</summary>
public static class GitBranchResolver
{
    /// <summary>Environment variable that names the git branch to use instead of HEAD's (CI, detached checkouts).</summary>
    public const string BranchOverrideVariable = "BRANCHTASKS_BRANCH";

    private const int ShortShaLength = 7;

    /// <param name="head">What HEAD points at.</param>
    /// <param name="branchOverride">The value of <see cref="BranchOverrideVariable"/>; callers read the environment so this stays pure.</param>
    /// <param name="parent">The configured parent git branch, used when HEAD is detached outside a rebase.</param>
    public static ResolvedGitBranch Resolve(GitHead head, string? branchOverride, string parent)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(parent);

        var trimmedOverride = branchOverride?.Trim();
        if (!string.IsNullOrEmpty(trimmedOverride))
        {
            return new ResolvedGitBranch(trimmedOverride, $"Using git branch '{trimmedOverride}' from {BranchOverrideVariable}.");
        }

        if (head.Branch is not null)
        {
            return new ResolvedGitBranch(head.Branch, null);
        }

        var at = head.Commit is null ? "an unknown commit" : head.Commit[..Math.Min(ShortShaLength, head.Commit.Length)];
        if (head.RebasingBranch is not null)
        {
            return new ResolvedGitBranch(
                head.RebasingBranch,
                $"HEAD is detached at {at} while rebasing '{head.RebasingBranch}'; using the database branch of '{head.RebasingBranch}'.");
        }

        return new ResolvedGitBranch(
            parent,
            $"HEAD is detached at {at}; using the database branch of '{parent}' (the configured parent). Check out a branch or set {BranchOverrideVariable} to choose another.");
    }
}
