using BranchTasks.Core.Errors;
using BranchTasks.Core.Git;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Hooks;

/// <summary>What <see cref="GitHookInstaller"/> did or found.</summary>
/// <param name="HookPath">The post-checkout hook file.</param>
/// <param name="Chained">The foreign hook BranchTasks calls first, when there is one.</param>
public sealed record GitHookResult(string HookPath, bool Changed, string? Chained, string Message);

/// <summary>
/// Installs the <c>post-checkout</c> hook that creates the database branch of a newly created git branch,
/// in the background. It honours <c>core.hooksPath</c>, chains a hook it finds instead of overwriting it,
/// never touches a hook it did not write (recognised by <see cref="Marker"/>), and is idempotent.
/// </summary>
public static class GitHookInstaller
{
    public const string HookName = "post-checkout";
    public const string ChainedSuffix = ".branchtasks-chained";
    public const string Marker = "# branchtasks-hook: post-checkout";

    private const UnixFileMode HookMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>The folder git runs hooks from: <c>core.hooksPath</c> of the repository's config, else <c>hooks</c> in the common git dir.</summary>
    public static string HooksDirectory(string directory)
    {
        var root = GitDirLocator.FindWorkTreeRoot(directory)
            ?? throw new BranchTasksException(ErrorCodes.NotAGitRepository, $"{Path.GetFullPath(directory)} is not inside a git repository. Run the command inside the repository, or pass --project-dir.");
        var commonDir = GitDirLocator.GetCommonDir(GitDirLocator.GetGitDir(root));
        var configured = GitConfigFile.GetValue(Path.Combine(commonDir, "config"), "core", "hooksPath");
        if (string.IsNullOrWhiteSpace(configured))
        {
            return Path.Combine(commonDir, "hooks");
        }

        if (configured == "~" || configured.StartsWith("~/", StringComparison.Ordinal))
        {
            configured = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), configured.Length > 2 ? configured[2..] : "");
        }

        // Git runs hooks from the top of the work tree, so a relative hooksPath is relative to it.
        return Path.GetFullPath(configured, root);
    }

    public static bool IsInstalled(string directory) => IsOurs(Path.Combine(HooksDirectory(directory), HookName));

    /// <param name="toolCommand">How the hook starts this tool (program and leading arguments), written into the script.</param>
    public static GitHookResult Install(string directory, IReadOnlyList<string> toolCommand)
    {
        var hooks = HooksDirectory(directory);
        Directory.CreateDirectory(hooks);
        var hook = Path.Combine(hooks, HookName);
        var chained = hook + ChainedSuffix;
        var script = Script(toolCommand);
        string? chainedNow = File.Exists(chained) ? chained : null;

        if (File.Exists(hook) && !IsOurs(hook))
        {
            if (File.Exists(chained))
            {
                throw new BranchTasksException(
                    ErrorCodes.HookConflict,
                    $"{hook} is not BranchTasks' hook, and {chained} already exists, so it cannot be chained without overwriting one of them. Merge or remove one of the two, then run `branchtasks hooks install` again.");
            }

            File.Move(hook, chained);
            chainedNow = chained;
            MakeExecutable(chained);
        }
        else if (File.Exists(hook) && File.ReadAllText(hook) == script)
        {
            MakeExecutable(hook);
            return new GitHookResult(hook, false, chainedNow, $"The BranchTasks post-checkout hook is already installed in {hooks}.");
        }

        // Written like a private file (unpredictable temp name, exclusive create, rename) but executable by all, as hooks are.
        PrivateFile.Write(hook, script, HookMode);
        return new GitHookResult(hook, true, chainedNow, $"Installed the BranchTasks post-checkout hook in {hooks}" + (chainedNow is null ? "." : $"; it runs the existing hook first ({Path.GetFileName(chained)})."));
    }

    public static GitHookResult Uninstall(string directory)
    {
        var hooks = HooksDirectory(directory);
        var hook = Path.Combine(hooks, HookName);
        var chained = hook + ChainedSuffix;
        if (!File.Exists(hook))
        {
            return new GitHookResult(hook, false, null, $"No post-checkout hook in {hooks}; nothing to uninstall.");
        }

        if (!IsOurs(hook))
        {
            return new GitHookResult(hook, false, null, $"{hook} was not written by BranchTasks; left untouched.");
        }

        File.Delete(hook);
        if (File.Exists(chained))
        {
            File.Move(chained, hook);
            return new GitHookResult(hook, true, null, $"Removed the BranchTasks post-checkout hook from {hooks} and restored the hook it chained.");
        }

        return new GitHookResult(hook, true, null, $"Removed the BranchTasks post-checkout hook from {hooks}.");
    }

    private static bool IsOurs(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var reader = new StreamReader(path);
        for (var i = 0; i < 5 && reader.ReadLine() is { } line; i++)
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The hook: runs a chained hook with the same arguments and keeps its exit code; for a branch checkout
    /// that stays on the same commit (<c>git checkout -b</c>, <c>git switch -c</c>) it starts the tool
    /// detached and returns at once. The tool decides whether the branch is new (no database branch yet).
    /// </summary>
    public static string Script(IReadOnlyList<string> toolCommand)
    {
        var tool = string.Join(' ', toolCommand.Select(ShellQuote));
        return $$"""
            #!/bin/sh
            {{Marker}}
            # Written by `branchtasks hooks install`; `branchtasks hooks uninstall` removes it (and restores a chained hook).
            # A branch checkout that stays on the same commit (git checkout -b / git switch -c) starts the database
            # branch's creation in the background; git checkout is never kept waiting.
            status=0
            chained="$(dirname "$0")/{{HookName}}{{ChainedSuffix}}"
            if [ -x "$chained" ]; then
              "$chained" "$@"
              status=$?
            fi
            if [ "$3" = "1" ] && [ "$1" = "$2" ] && [ -z "$BRANCHTASKS_HOOKS_DISABLED" ]; then
              new_branch=$(git symbolic-ref --quiet --short HEAD 2>/dev/null)
              if [ -n "$new_branch" ]; then
                previous_branch=$(git rev-parse --quiet --abbrev-ref '@{-1}' 2>/dev/null)
                nohup {{tool}} hooks post-checkout --new "$new_branch" --previous "$previous_branch" >/dev/null 2>&1 </dev/null &
              fi
            fi
            exit $status

            """.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void MakeExecutable(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute | UnixFileMode.UserRead);
        }
    }
}
