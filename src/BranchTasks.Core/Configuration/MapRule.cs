namespace BranchTasks.Core.Configuration;

/// <summary>One <c>map</c> entry: git branches matching <paramref name="Pattern"/> use database branch <paramref name="Branch"/>.</summary>
public sealed record MapRule(string Pattern, string Branch);
