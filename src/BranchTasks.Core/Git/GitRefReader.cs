namespace BranchTasks.Core.Git;

/// <summary>Lists local branches from the repository files (loose refs under refs/heads, then packed-refs), without running git.</summary>
public static class GitRefReader
{
    private const string HeadsPrefix = "refs/heads/";

    /// <param name="commonDir">The shared git dir (<see cref="GitHead.CommonDir"/>).</param>
    public static IReadOnlySet<string> ListBranches(string commonDir)
    {
        var branches = new HashSet<string>(StringComparer.Ordinal);
        var heads = Path.Combine(commonDir, "refs", "heads");
        if (Directory.Exists(heads))
        {
            foreach (var file in Directory.EnumerateFiles(heads, "*", SearchOption.AllDirectories))
            {
                var text = GitDirLocator.FirstLine(GitDirLocator.ReadText(file));
                if (GitRefResolver.IsObjectId(text) || text.StartsWith("ref:", StringComparison.Ordinal))
                {
                    branches.Add(Path.GetRelativePath(heads, file).Replace(Path.DirectorySeparatorChar, '/'));
                }
            }
        }

        var packed = Path.Combine(commonDir, "packed-refs");
        if (File.Exists(packed))
        {
            foreach (var rawLine in GitDirLocator.ReadText(packed).Split('\n'))
            {
                var line = rawLine.TrimEnd('\r');
                if (line.Length == 0 || line[0] is '#' or '^')
                {
                    continue;
                }

                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0 && GitRefResolver.IsObjectId(line[..space]) && line.AsSpan(space + 1).StartsWith(HeadsPrefix, StringComparison.Ordinal))
                {
                    branches.Add(line[(space + 1 + HeadsPrefix.Length)..]);
                }
            }
        }

        return branches;
    }

    public static bool BranchExists(string commonDir, string branch) =>
        GitRefResolver.Resolve(commonDir, commonDir, HeadsPrefix + branch) is not null;
}
