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
/// in the background. It writes it where git runs hooks from (git's own answer, so every <c>core.hooksPath</c>
/// counts), chains a hook it finds instead of overwriting it,
/// never touches a hook it did not write (recognised by <see cref="Marker"/>), and is idempotent.
/// </summary>
public static class GitHookInstaller
{
    public const string HookName = "post-checkout";
    public const string ChainedSuffix = ".branchtasks-chained";
    public const string Marker = "# branchtasks-hook: post-checkout";

    private const UnixFileMode HookMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The folder git runs hooks from, as git itself answers it (<c>git rev-parse --git-path hooks</c>):
    /// <c>core.hooksPath</c> from every config level git reads (system, global, repository, worktree,
    /// <c>GIT_CONFIG_*</c>), else <c>hooks</c> in the common git dir.
    /// </summary>
    public static async Task<string> HooksDirectoryAsync(string directory, CancellationToken cancellationToken)
    {
        var root = GitDirLocator.FindWorkTreeRoot(directory)
            ?? throw new BranchTasksException(ErrorCodes.NotAGitRepository, $"{Path.GetFullPath(directory)} is not inside a git repository. Run the command inside the repository, or pass --project-dir.");
        ChildProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync(new ProcessCommand("git", ["-C", root, "rev-parse", "--git-path", "hooks"]), new ChildProcessOptions { Timeout = GitTimeout }, cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BranchTasksException(ErrorCodes.GitNotFound, $"git could not be started ({e.Message}); BranchTasks asks git where it runs hooks from. Install git and make sure `git` is on the PATH, then run the command again.");
        }

        var answer = result.StandardOutput.TrimEnd('\r', '\n');
        if (result.ExitCode != 0 || answer.Length == 0)
        {
            var detail = result.TimedOut ? $"it did not answer within {GitTimeout.TotalSeconds:0} s" : ChildProcessResult.Tail(result.StandardError, 5);
            throw new BranchTasksException(ErrorCodes.GitRepositoryUnreadable, $"`git rev-parse --git-path hooks` failed in {root}: {detail}. Run it yourself there to see what git needs (a broken config file, a safe.directory rule), fix that, then run the command again.");
        }

        // git answers a relative path relative to the directory it ran in (-C root).
        return Path.GetFullPath(answer, root);
    }

    public static async Task<bool> IsInstalledAsync(string directory, CancellationToken cancellationToken) =>
        IsInstalledIn(await HooksDirectoryAsync(directory, cancellationToken).ConfigureAwait(false));

    public static bool IsInstalledIn(string hooksDirectory) => IsOurs(Path.Combine(hooksDirectory, HookName));

    /// <param name="toolCommand">How the hook starts this tool (program and leading arguments), written into the script.</param>
    public static async Task<GitHookResult> InstallAsync(string directory, IReadOnlyList<string> toolCommand, CancellationToken cancellationToken)
    {
        var hooks = await HooksDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
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

    public static async Task<GitHookResult> UninstallAsync(string directory, CancellationToken cancellationToken)
    {
        var hooks = await HooksDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
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
