using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Git;

/// <summary>Finds the work tree root and its git dirs from the files on disk, the way git itself does.</summary>
internal static class GitDirLocator
{
    private const string GitDirPrefix = "gitdir:";

    public static string? FindWorkTreeRoot(string startDirectory)
    {
        var directory = new DirectoryInfo(Path.GetFullPath(startDirectory));
        while (directory is not null)
        {
            var dotGit = Path.Combine(directory.FullName, ".git");
            if (Directory.Exists(dotGit) || File.Exists(dotGit))
            {
                return directory.FullName;
            }

            directory = directory.Parent;
        }

        return null;
    }

    /// <summary>The work tree's own git dir: <c>.git</c> itself, or where a <c>.git</c> file points (linked worktree, submodule).</summary>
    public static string GetGitDir(string workTreeRoot)
    {
        var dotGit = Path.Combine(workTreeRoot, ".git");
        if (Directory.Exists(dotGit))
        {
            return dotGit;
        }

        var text = ReadText(dotGit);
        var line = FirstLine(text);
        if (!line.StartsWith(GitDirPrefix, StringComparison.Ordinal) || line.Length == GitDirPrefix.Length)
        {
            throw new BranchTasksException(
                ErrorCodes.GitRepositoryUnreadable,
                $"{dotGit}: expected a line 'gitdir: <path>' but found '{Shorten(line)}'. Repair the worktree with 'git worktree repair' or re-clone the repository.");
        }

        var target = line[GitDirPrefix.Length..].Trim();
        var gitDir = Path.GetFullPath(Path.Combine(workTreeRoot, target));
        if (!Directory.Exists(gitDir))
        {
            throw new BranchTasksException(
                ErrorCodes.GitRepositoryUnreadable,
                $"{dotGit}: points at git dir '{gitDir}', which does not exist. Run 'git worktree prune' and re-create the worktree, or repair it with 'git worktree repair'.");
        }

        return gitDir;
    }

    /// <summary>Linked worktrees keep refs in the main repository's git dir, named by <c>commondir</c>.</summary>
    public static string GetCommonDir(string gitDir)
    {
        var commonDirFile = Path.Combine(gitDir, "commondir");
        if (!File.Exists(commonDirFile))
        {
            return gitDir;
        }

        var target = FirstLine(ReadText(commonDirFile));
        if (target.Length == 0)
        {
            return gitDir;
        }

        return Path.GetFullPath(Path.Combine(gitDir, target));
    }

    public static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BranchTasksException(
                ErrorCodes.GitRepositoryUnreadable,
                $"{path}: cannot read this git file ({ex.Message}). Check its permissions, or run 'git status' to see whether git can read the repository.",
                ex);
        }
    }

    public static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return (end < 0 ? text : text[..end]).Trim();
    }

    public static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
