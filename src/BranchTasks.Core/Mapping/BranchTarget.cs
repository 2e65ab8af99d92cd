namespace BranchTasks.Core.Mapping;

/// <summary>Where a git branch lives in the database.</summary>
/// <param name="GitBranch">The git branch name as git spells it.</param>
/// <param name="Branch">The database branch name: lowercase <c>[a-z0-9-]</c>, PlanetScale's rules.</param>
/// <param name="Database">The physical database name: lowercase <c>[a-z0-9_]</c>, at most 64 characters.</param>
public sealed record BranchTarget(string GitBranch, string Branch, string Database);
