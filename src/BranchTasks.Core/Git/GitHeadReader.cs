using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Git;

/// <summary>
/// Reads HEAD from the repository files. It never starts <c>git</c>: it runs inside MSBuild and on every
/// <c>dotnet run</c>, where a process start per call is too slow and git may not even be on PATH.
/// </summary>
public static class GitHeadReader
{
    private const string BranchRefPrefix = "refs/heads/";
    private const string SymbolicPrefix = "ref:";

    /// <summary>The folder holding <c>.git</c> (directory or file) at or above <paramref name="startDirectory"/>, else null.</summary>
    public static string? FindWorkTreeRoot(string startDirectory) => GitDirLocator.FindWorkTreeRoot(startDirectory);

    /// <summary>
    /// <see cref="Read"/> for watchers, which must not fail: null when the folder is gone or HEAD cannot be read.
    /// git replaces HEAD by renaming HEAD.lock over it; on Windows a read can race that, so it is tried again.
    /// </summary>
    public static GitHead? TryRead(string startDirectory)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return Read(startDirectory);
            }
            catch (BranchTasksException e) when (e.Code == ErrorCodes.GitRepositoryUnreadable && attempt < 3)
            {
                Thread.Sleep(20);
            }
            catch (BranchTasksException)
            {
                return null;
            }
        }
    }

    public static GitHead Read(string startDirectory)
    {
        var fullStart = Path.GetFullPath(startDirectory);
        var root = GitDirLocator.FindWorkTreeRoot(fullStart)
            ?? throw new BranchTasksException(
                ErrorCodes.NotAGitRepository,
                $"{fullStart} is not inside a git repository (no .git folder or file here or in any parent folder). Run this inside a git repository, or create one with 'git init'.");

        var gitDir = GitDirLocator.GetGitDir(root);
        var commonDir = GitDirLocator.GetCommonDir(gitDir);
        var headPath = Path.Combine(gitDir, "HEAD");
        if (!File.Exists(headPath))
        {
            throw Unreadable(headPath, "the file is missing");
        }

        var head = GitDirLocator.FirstLine(GitDirLocator.ReadText(headPath));
        var rebasing = ReadRebasingBranch(gitDir);

        if (head.StartsWith(SymbolicPrefix, StringComparison.Ordinal))
        {
            var refName = head[SymbolicPrefix.Length..].Trim();
            if (!refName.StartsWith("refs/", StringComparison.Ordinal))
            {
                throw Unreadable(headPath, $"it points at '{GitDirLocator.Shorten(refName)}', which is not a ref");
            }

            ThrowIfReftable(commonDir, headPath, refName);
            var commit = GitRefResolver.Resolve(gitDir, commonDir, refName);
            var branch = refName.StartsWith(BranchRefPrefix, StringComparison.Ordinal) ? refName[BranchRefPrefix.Length..] : null;
            return new GitHead(root, gitDir, commonDir, branch, commit, rebasing);
        }

        if (GitRefResolver.IsObjectId(head))
        {
            return new GitHead(root, gitDir, commonDir, null, head.ToLowerInvariant(), rebasing);
        }

        throw Unreadable(headPath, $"it holds '{GitDirLocator.Shorten(head)}', which is neither 'ref: refs/...' nor a commit id");
    }

    /// <summary>During a rebase HEAD is detached; git records the branch being rebased here.</summary>
    private static string? ReadRebasingBranch(string gitDir)
    {
        foreach (var folder in new[] { "rebase-merge", "rebase-apply" })
        {
            var path = Path.Combine(gitDir, folder, "head-name");
            if (!File.Exists(path))
            {
                continue;
            }

            var name = GitDirLocator.FirstLine(GitDirLocator.ReadText(path));
            // A rebase started from a detached HEAD records "detached HEAD": no branch to report.
            if (name.StartsWith(BranchRefPrefix, StringComparison.Ordinal) && name.Length > BranchRefPrefix.Length)
            {
                return name[BranchRefPrefix.Length..];
            }
        }

        return null;
    }

    /// <summary>Reftable repositories keep a placeholder HEAD; reading it as a file would silently report a bogus branch.</summary>
    private static void ThrowIfReftable(string commonDir, string headPath, string refName)
    {
        if (refName == "refs/heads/.invalid" && Directory.Exists(Path.Combine(commonDir, "reftable")))
        {
            throw new BranchTasksException(
                ErrorCodes.GitRepositoryUnreadable,
                $"{headPath}: this repository stores refs in the reftable format, which BranchTasks cannot read. Convert it with 'git refs migrate --ref-format=files', or set BRANCHTASKS_BRANCH to the branch name.");
        }
    }

    private static BranchTasksException Unreadable(string headPath, string what) =>
        new(ErrorCodes.GitRepositoryUnreadable,
            $"{headPath}: cannot read HEAD: {what}. Run 'git status' to check the repository, or set BRANCHTASKS_BRANCH to the branch name.");
}
