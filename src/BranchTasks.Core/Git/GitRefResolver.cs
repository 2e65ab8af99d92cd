namespace BranchTasks.Core.Git;

/// <summary>Resolves a full ref name to a commit from loose ref files, then <c>packed-refs</c>.</summary>
internal static class GitRefResolver
{
    private const string SymbolicPrefix = "ref:";

    // Symbolic refs may chain; git caps the depth too, so a cycle cannot hang us.
    private const int MaxSymbolicDepth = 5;

    /// <returns>The commit id, or null when the ref does not exist yet (an unborn branch).</returns>
    public static string? Resolve(string gitDir, string commonDir, string refName)
    {
        for (var depth = 0; depth < MaxSymbolicDepth; depth++)
        {
            var loose = ReadLooseRef(gitDir, commonDir, refName);
            if (loose is null)
            {
                return ReadPackedRef(commonDir, refName);
            }

            if (!loose.StartsWith(SymbolicPrefix, StringComparison.Ordinal))
            {
                return IsObjectId(loose) ? loose : null;
            }

            refName = loose[SymbolicPrefix.Length..].Trim();
        }

        return null;
    }

    public static bool IsObjectId(string text) =>
        text.Length is 40 or 64 && text.All(char.IsAsciiHexDigit);

    private static string? ReadLooseRef(string gitDir, string commonDir, string refName)
    {
        // Per-worktree refs (bisect, worktree-local) live in the worktree's git dir; branches in the common dir.
        foreach (var root in gitDir == commonDir ? [commonDir] : new[] { gitDir, commonDir })
        {
            var path = Path.Combine(root, refName.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(path))
            {
                return GitDirLocator.FirstLine(GitDirLocator.ReadText(path));
            }
        }

        return null;
    }

    private static string? ReadPackedRef(string commonDir, string refName)
    {
        var path = Path.Combine(commonDir, "packed-refs");
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var rawLine in GitDirLocator.ReadText(path).Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] is '#' or '^')
            {
                continue;
            }

            var space = line.IndexOf(' ');
            if (space > 0 && line.AsSpan(space + 1).SequenceEqual(refName) && IsObjectId(line[..space]))
            {
                return line[..space];
            }
        }

        return null;
    }
}
