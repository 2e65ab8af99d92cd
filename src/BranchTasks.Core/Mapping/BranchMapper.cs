using BranchTasks.Core.Configuration;

namespace BranchTasks.Core.Mapping;

/// <summary>Maps a git branch to its database branch and physical database: <c>map</c> rules first, then derivation.</summary>
public static class BranchMapper
{
    public static BranchTarget Map(BranchTasksConfig config, string gitBranch)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(gitBranch);

        var rule = FindRule(config, gitBranch);
        return ForDatabaseBranch(config, rule?.Branch ?? BranchNames.ToBranchName(gitBranch), gitBranch);
    }

    /// <summary>The <c>map</c> rule that sends <paramref name="gitBranch"/> to a database branch on purpose, if any.</summary>
    public static MapRule? FindRule(BranchTasksConfig config, string gitBranch) =>
        // Rules are few and mapping runs once per request, so compiling here beats caching state on the config.
        config.Map.FirstOrDefault(rule => new GlobPattern(rule.Pattern).IsMatch(gitBranch));

    /// <summary>The target for an explicitly named database branch (e.g. <c>branchtasks up --branch</c>).</summary>
    /// <param name="gitBranch">The git branch it serves, when known; otherwise the database branch name stands in.</param>
    public static BranchTarget ForDatabaseBranch(BranchTasksConfig config, string branch, string? gitBranch)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(branch);
        if (!BranchNames.IsValidBranchName(branch))
        {
            throw BranchNames.InvalidBranch(branch);
        }

        return new BranchTarget(gitBranch ?? branch, branch, BranchNames.ToDatabaseName(config.Database, branch, config.DatabasePrefix));
    }
}
