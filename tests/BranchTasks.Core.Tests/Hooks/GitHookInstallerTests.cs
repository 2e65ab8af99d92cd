using BranchTasks.Core.Errors;
using BranchTasks.Core.Hooks;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Hooks;

public sealed class GitHookInstallerTests
{
    private static readonly string[] Tool = ["/usr/bin/dotnet", "exec", "/opt/it's here/branchtasks.dll"];

    [Fact]
    public async Task Asks_git_for_the_hooks_folder_so_relative_absolute_and_included_hooksPath_count()
    {
        using var repo = TempGitRepository.Create();
        var sub = Directory.CreateDirectory(Path.Combine(repo.Path, "src", "app")).FullName;
        Assert.Equal(Path.Combine(repo.Path, ".git", "hooks"), await GitHookInstaller.HooksDirectoryAsync(sub, CancellationToken.None));

        // Relative to the top of the work tree, wherever the command runs.
        repo.Run("config", "core.hooksPath", "tools/git hooks");
        Assert.Equal(Path.Combine(repo.Path, "tools", "git hooks"), await GitHookInstaller.HooksDirectoryAsync(sub, CancellationToken.None));

        // A level the repository's own config file does not hold itself: an included file.
        repo.Run("config", "--unset", "core.hooksPath");
        var absolute = repo.SiblingPath("shared hooks");
        var included = repo.SiblingPath("included.gitconfig");
        File.WriteAllText(included, $"[core]\n\thooksPath = \"{absolute}\"\n");
        repo.Run("config", "include.path", included);
        Assert.Equal(absolute, await GitHookInstaller.HooksDirectoryAsync(repo.Path, CancellationToken.None));

        var result = await GitHookInstaller.InstallAsync(sub, Tool, CancellationToken.None);
        Assert.Equal(Path.Combine(absolute, GitHookInstaller.HookName), result.HookPath);
        Assert.True(GitHookInstaller.IsInstalledIn(absolute));
        Assert.True(await GitHookInstaller.IsInstalledAsync(repo.Path, CancellationToken.None));
    }

    [Fact]
    public async Task Outside_a_repository_is_BT0101()
    {
        using var repo = TempGitRepository.Create();
        var outside = Directory.CreateDirectory(repo.SiblingPath("outside")).FullName;
        var error = await Assert.ThrowsAsync<BranchTasksException>(() => GitHookInstaller.HooksDirectoryAsync(outside, CancellationToken.None));
        Assert.Equal(ErrorCodes.NotAGitRepository, error.Code);
    }

    [Fact]
    public async Task Install_chains_a_foreign_hook_and_uninstall_restores_it_idempotently()
    {
        using var repo = TempGitRepository.Create();
        var hook = Path.Combine(repo.Path, ".git", "hooks", "post-checkout");
        File.WriteAllText(hook, "#!/bin/sh\necho foreign\n");

        Assert.True((await GitHookInstaller.InstallAsync(repo.Path, Tool, CancellationToken.None)).Changed);
        Assert.True(await GitHookInstaller.IsInstalledAsync(repo.Path, CancellationToken.None));
        Assert.Equal("#!/bin/sh\necho foreign\n", File.ReadAllText(hook + GitHookInstaller.ChainedSuffix));
        Assert.Contains("'/opt/it'\\''s here/branchtasks.dll'", File.ReadAllText(hook));
        if (!OperatingSystem.IsWindows())
        {
            Assert.True((File.GetUnixFileMode(hook) & UnixFileMode.UserExecute) != 0);
        }

        Assert.False((await GitHookInstaller.InstallAsync(repo.Path, Tool, CancellationToken.None)).Changed);

        Assert.True((await GitHookInstaller.UninstallAsync(repo.Path, CancellationToken.None)).Changed);
        Assert.Equal("#!/bin/sh\necho foreign\n", File.ReadAllText(hook));
        Assert.False((await GitHookInstaller.UninstallAsync(repo.Path, CancellationToken.None)).Changed);
        Assert.Equal("#!/bin/sh\necho foreign\n", File.ReadAllText(hook));
    }

    [Fact]
    public async Task Install_refuses_when_both_a_foreign_hook_and_a_chained_one_exist()
    {
        using var repo = TempGitRepository.Create();
        var hook = Path.Combine(repo.Path, ".git", "hooks", "post-checkout");
        File.WriteAllText(hook, "#!/bin/sh\n");
        File.WriteAllText(hook + GitHookInstaller.ChainedSuffix, "#!/bin/sh\n");
        var error = await Assert.ThrowsAsync<BranchTasksException>(() => GitHookInstaller.InstallAsync(repo.Path, Tool, CancellationToken.None));
        Assert.Equal(ErrorCodes.HookConflict, error.Code);
    }

    [Fact]
    public void Hook_script_is_valid_sh()
    {
        using var repo = TempGitRepository.Create();
        var path = repo.SiblingPath("hook.sh");
        File.WriteAllText(path, GitHookInstaller.Script(Tool));
        var check = System.Diagnostics.Process.Start("sh", ["-n", path])!;
        check.WaitForExit();
        Assert.Equal(0, check.ExitCode);
    }
}
