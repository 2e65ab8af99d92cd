using System.Diagnostics;

namespace BranchTasks.Testing;

/// <summary>
/// A real git repository in a fresh temp folder, driven by the real <c>git</c> CLI. Git runs with no system or
/// global config, so tests behave the same on a developer machine and on a bare CI image.
/// </summary>
public sealed class TempGitRepository : IDisposable
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root;
    private readonly string _emptyGlobalConfig;

    private TempGitRepository(string root)
    {
        _root = root;
        Path = System.IO.Path.Combine(root, "repo");
        _emptyGlobalConfig = System.IO.Path.Combine(root, "empty.gitconfig");
        Directory.CreateDirectory(Path);
        File.WriteAllText(_emptyGlobalConfig, "");
    }

    /// <summary>The work tree root of the repository.</summary>
    public string Path { get; }

    /// <summary>Runs <c>git init</c> on branch <c>main</c> in a new temp folder (no commits yet).</summary>
    public static TempGitRepository Create()
    {
        var root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bt-git-" + Guid.NewGuid().ToString("N")[..12]);
        var repo = new TempGitRepository(root);
        try
        {
            repo.Run("init", "--quiet");
            // Written to the repo's own config too, so processes the tests start (hooks, the tool) can commit.
            repo.Run("config", "user.name", "BranchTasks Tests");
            repo.Run("config", "user.email", "tests@branchtasks.invalid");
            repo.Run("config", "commit.gpgsign", "false");
            repo.Run("config", "core.autocrlf", "false");
            return repo;
        }
        catch
        {
            repo.Dispose();
            throw;
        }
    }

    /// <summary>A path next to the repository (not inside it), deleted with it; for linked worktrees and clones.</summary>
    public string SiblingPath(string name) => System.IO.Path.Combine(_root, name);

    /// <summary>Runs git in <see cref="Path"/>; returns stdout, throws with stderr on a non-zero exit.</summary>
    public string Run(params string[] gitArgs) => RunIn(Path, gitArgs);

    /// <summary>Runs git in <paramref name="workingDirectory"/>; returns stdout, throws with stderr on a non-zero exit.</summary>
    public string RunIn(string workingDirectory, params string[] gitArgs)
    {
        var result = TryRunIn(workingDirectory, gitArgs);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"git {string.Join(' ', gitArgs)} exited with {result.ExitCode} in {workingDirectory}:{Environment.NewLine}{result.StandardError}{result.StandardOutput}");
        }

        return result.StandardOutput;
    }

    /// <summary>Runs git in <see cref="Path"/> and reports the outcome without throwing (for commands expected to fail, like a conflicting rebase).</summary>
    public GitResult TryRun(params string[] gitArgs) => TryRunIn(Path, gitArgs);

    public GitResult TryRunIn(string workingDirectory, params string[] gitArgs)
    {
        var startInfo = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "-c", "init.defaultBranch=main",
                     "-c", "user.name=BranchTasks Tests",
                     "-c", "user.email=tests@branchtasks.invalid",
                     "-c", "commit.gpgsign=false",
                 }.Concat(gitArgs))
        {
            startInfo.ArgumentList.Add(arg);
        }

        // Inherited GIT_* variables (e.g. when tests run from a git hook) would point git at another repository.
        foreach (var name in new[] { "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY", "GIT_CEILING_DIRECTORIES" })
        {
            startInfo.Environment.Remove(name);
        }

        startInfo.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        startInfo.Environment["GIT_CONFIG_GLOBAL"] = _emptyGlobalConfig;
        startInfo.Environment["GIT_TERMINAL_PROMPT"] = "0";
        startInfo.Environment["GIT_EDITOR"] = "true";
        startInfo.Environment["GIT_SEQUENCE_EDITOR"] = "true";

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start git");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(GitTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"git {string.Join(' ', gitArgs)} did not finish within {GitTimeout.TotalSeconds} s in {workingDirectory}");
        }

        process.WaitForExit();
        return new GitResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>Writes a file relative to <see cref="Path"/>, creating folders as needed.</summary>
    public string WriteFile(string relativePath, string text)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    /// <summary>Stages everything and commits (empty commits allowed); returns the new commit id.</summary>
    public string Commit(string message)
    {
        Run("add", "--all");
        Run("commit", "--quiet", "--allow-empty", "-m", message);
        return Run("rev-parse", "HEAD").Trim();
    }

    public void Dispose()
    {
        if (!Directory.Exists(_root))
        {
            return;
        }

        // Git makes object files read-only, which blocks deletion on Windows.
        foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100);
            }
        }
    }
}

/// <summary>Outcome of one git command.</summary>
public sealed record GitResult(int ExitCode, string StandardOutput, string StandardError);
