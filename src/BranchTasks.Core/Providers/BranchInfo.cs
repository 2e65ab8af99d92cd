namespace BranchTasks.Core.Providers;

/// <summary>A database branch the tool created, as its metadata record on the server describes it.</summary>
public sealed record BranchInfo(
    string Branch,
    string Database,
    string? Parent,
    string? GitBranch,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt);
